import { describe, expect, it } from 'vitest';
import { AptRelayError } from '../../../src/apt/errors.js';
import type { GateResult } from '../../../src/apt/gating.js';
import { childAcquireRequest, gateErrorOutcome, gateOutcome, RELAY_FAIL_REASON, redirectRefusal } from '../../../src/apt/gating.js';
import { readAcquire } from '../../../src/apt/protocol/acquire.js';
import { formatAptMessage } from '../../../src/apt/protocol/format.js';
import { parseAptMessages } from '../../../src/apt/protocol/framing.js';
import { ReprogateError } from '../../../src/errors.js';

const URI = 'reprogate+http://127.0.0.1:18092/pool/main/rbt-lib_1.0_all.deb';
const PARTIAL = '/lab/archives/partial/rbt-lib_1.0_all.deb';
const item = readAcquire(parseAptMessages(`600 URI Acquire\nURI: ${URI}\nFilename: ${PARTIAL}\nTarget-Type: deb\n\n`)[0]!);

/** A 201 as the stock http method writes it, plus fields a hostile child could add. */
const [childDone] = parseAptMessages(
  [
    '201 URI Done',
    `SHA256-Hash: ${'1'.repeat(64)}`,
    `SHA1-Hash: ${'2'.repeat(40)}`,
    'Checksum-FileSize-Hash: 764',
    `MD5-Hash: ${'3'.repeat(32)}`,
    'Last-Modified: Wed, 25 Nov 2026 15:04:08 +0000',
    'Size: 764',
    `Filename: ${PARTIAL}`,
    `URI: ${URI}`,
    'Alt-Filename: /elsewhere/other.deb',
    `Alt-SHA256-Hash: ${'4'.repeat(64)}`,
    'IMS-Hit: true',
    '',
    '',
  ].join('\n'),
);

const hashes = { sha256: 'A'.repeat(64), sha512: 'b'.repeat(128), md5: 'c'.repeat(32), size: 836 };
const wire = (outcome: { replies: readonly Parameters<typeof formatAptMessage>[0][] }): string =>
  outcome.replies.map(formatAptMessage).join('');

function gateResultError(result: unknown): string {
  try {
    gateOutcome(item, childDone!, PARTIAL, result as GateResult);
  } catch (e) {
    expect(e).toBeInstanceOf(AptRelayError);
    return (e as AptRelayError).code;
  }
  throw new Error('expected an AptRelayError');
}

describe('gateOutcome', () => {
  it('reports only the hash types the gate computed (those apt listed as expected)', () => {
    const outcome = gateOutcome(item, childDone!, PARTIAL, { accept: true, hashes: { sha256: hashes.sha256, size: hashes.size } });
    const text = wire(outcome);
    expect(text).toContain(`SHA256-Hash: ${'a'.repeat(64)}`);
    expect(text).not.toContain('SHA512-Hash');
    expect(text).not.toContain('MD5Sum-Hash');
  });

  it('reports an accepted package with the gate hashes only, keeping informational fields', () => {
    const outcome = gateOutcome(item, childDone!, PARTIAL, { accept: true, hashes });
    expect(outcome.removeFiles).toEqual([]);
    expect(wire(outcome)).toBe(
      [
        '201 URI Done',
        `URI: ${URI}`,
        `Filename: ${PARTIAL}`,
        'Size: 836',
        'Last-Modified: Wed, 25 Nov 2026 15:04:08 +0000',
        'IMS-Hit: true',
        `SHA512-Hash: ${'b'.repeat(128)}`,
        `SHA256-Hash: ${'a'.repeat(64)}`,
        `MD5Sum-Hash: ${'c'.repeat(32)}`,
        'Checksum-FileSize-Hash: 836',
        '',
        '',
      ].join('\n'),
    );
  });

  it('sends a warning before the 201', () => {
    const outcome = gateOutcome(item, childDone!, PARTIAL, { accept: true, hashes, warning: 'exempt until\n2027-06-30' });
    expect(outcome.replies.map((m) => m.code)).toEqual([104, 201]);
    expect(wire(outcome)).toContain(`104 Warning\nURI: ${URI}\nMessage: exempt until 2027-06-30\n\n`);
  });

  it('refuses with the gate message on one line, its FailReason, and deletes the file', () => {
    const outcome = gateOutcome(item, childDone!, PARTIAL, {
      accept: false,
      message: 'reprogate: refused rbt-lib 1.0\n1 of 2 rebuilders agree',
      failReason: 'ReprogateRefused',
    });
    expect(outcome.removeFiles).toEqual([PARTIAL]);
    expect(wire(outcome)).toBe(
      `400 URI Failure\nURI: ${URI}\nMessage: reprogate: refused rbt-lib 1.0 1 of 2 rebuilders agree\nFailReason: ReprogateRefused\n\n`,
    );
  });

  it('deletes both the reported file and the requested one when they differ', () => {
    const outcome = gateOutcome(item, childDone!, '/other/place.deb', { accept: false, message: 'no', failReason: 'X' });
    expect(outcome.removeFiles).toEqual(['/other/place.deb', PARTIAL]);
  });

  it('replaces a FailReason that is not a token, and an empty message', () => {
    const outcome = gateOutcome(item, childDone!, PARTIAL, { accept: false, message: ' \n ', failReason: 'Hash Sum\nmismatch' });
    expect(wire(outcome)).toContain(`Message: reprogate refused ${PARTIAL}\nFailReason: ${RELAY_FAIL_REASON.gateError}\n`);
  });

  it.each([
    ['null', null],
    ['no accept flag', { hashes }],
    ['accept without hashes', { accept: true }],
    ['a short sha256', { accept: true, hashes: { ...hashes, sha256: 'ab' } }],
    ['a non-hex sha512', { accept: true, hashes: { ...hashes, sha512: 'z'.repeat(128) } }],
    ['a null md5', { accept: true, hashes: { ...hashes, md5: null } }],
    ['a negative size', { accept: true, hashes: { ...hashes, size: -1 } }],
    ['a fractional size', { accept: true, hashes: { ...hashes, size: 1.5 } }],
    ['a refusal without message', { accept: false, failReason: 'X' }],
  ])('treats a result with %s as malformed (APT_RELAY_GATE_RESULT)', (_, result) => {
    expect(gateResultError(result)).toBe('APT_RELAY_GATE_RESULT');
  });
});

describe('gateErrorOutcome', () => {
  it('refuses with the error code, a hint, and deletes the file', () => {
    const outcome = gateErrorOutcome(item, PARTIAL, new ReprogateError('POLICY_UNREADABLE', 'x'));
    expect(outcome.removeFiles).toEqual([PARTIAL]);
    expect(wire(outcome)).toBe(
      `400 URI Failure\nURI: ${URI}\nMessage: reprogate: refused rbt-lib_1.0_all.deb: verification failed (POLICY_UNREADABLE); ` +
        `rerun with -o Debug::Reprogate=1 for details\nFailReason: ${RELAY_FAIL_REASON.gateError}\n\n`,
    );
  });

  it('uses a generic code for errors without one, and the requested file when none was reported', () => {
    const outcome = gateErrorOutcome(item, undefined, new TypeError('boom'));
    expect(outcome.removeFiles).toEqual([PARTIAL]);
    expect(wire(outcome)).toContain('refused rbt-lib_1.0_all.deb: verification failed (UNEXPECTED)');
    expect(gateErrorOutcome(item, '', new TypeError('boom')).removeFiles).toEqual([PARTIAL]);
  });
});

describe('childAcquireRequest', () => {
  const request = (...hashLines: string[]) =>
    parseAptMessages([`600 URI Acquire`, `URI: ${URI}`, `Filename: ${PARTIAL}`, ...hashLines, 'Expected-Checksum-FileSize: 764', 'Target-Type: deb', '', ''].join('\n'))[0]!;

  it('keeps only Expected-SHA256 of the digests (the child computes what is listed; apt hears the gate)', () => {
    const sent = childAcquireRequest(request(`Expected-SHA512: ${'5'.repeat(128)}`, `Expected-SHA256: ${'1'.repeat(64)}`, `Expected-SHA1: ${'2'.repeat(40)}`, `Expected-MD5Sum: ${'3'.repeat(32)}`));
    expect(formatAptMessage(sent)).toBe(
      [`600 URI Acquire`, `URI: ${URI}`, `Filename: ${PARTIAL}`, `Expected-SHA256: ${'1'.repeat(64)}`, 'Expected-Checksum-FileSize: 764', 'Target-Type: deb', '', ''].join('\n'),
    );
  });

  it('passes a request without Expected-SHA256 on unchanged, so that the child still hashes something apt can use', () => {
    const original = request(`Expected-SHA512: ${'5'.repeat(128)}`, `Expected-MD5Sum: ${'3'.repeat(32)}`);
    expect(childAcquireRequest(original)).toBe(original);
  });

  it('passes a request listing SHA-256 alone on unchanged (verbatim)', () => {
    const original = request(`Expected-SHA256: ${'1'.repeat(64)}`);
    expect(childAcquireRequest(original)).toBe(original);
  });
});

describe('redirectRefusal', () => {
  const redirect = (...lines: string[]) => parseAptMessages(['103 Redirect', `URI: ${URI}`, ...lines, '', ''].join('\n'))[0]!;

  it('lets a redirect inside the scheme through', () => {
    expect(redirectRefusal(item, redirect('New-URI: reprogate+http://127.0.0.1:18093/pool/x.deb'), 'reprogate+http')).toBeUndefined();
    expect(redirectRefusal(item, redirect('New-URI: reprogate+https://mirror/pool/x.deb'), 'reprogate+http')).toBeUndefined();
  });

  it('refuses a redirect to another scheme', () => {
    const refusal = redirectRefusal(item, redirect('New-URI: http://127.0.0.1:18093/pool/x.deb'), 'reprogate+http');
    expect(refusal && formatAptMessage(refusal)).toBe(
      `400 URI Failure\nURI: ${URI}\nMessage: reprogate: refused a redirect from reprogate+http to http://127.0.0.1:18093/pool/x.deb: ` +
        `packages must stay in the gated scheme\nFailReason: ${RELAY_FAIL_REASON.redirect}\n\n`,
    );
  });

  it('refuses an alternate URI in another scheme, and a redirect without New-URI', () => {
    expect(
      redirectRefusal(item, redirect('New-URI: reprogate+http://a/x.deb', 'Alternate-URIs: reprogate+http://b/x.deb', ' http://c/x.deb'), 'reprogate+http'),
    ).toBeDefined();
    expect(redirectRefusal(item, redirect(), 'reprogate+http')).toBeDefined();
  });
});
