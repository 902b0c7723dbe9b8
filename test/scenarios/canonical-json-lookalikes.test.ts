/**
 * Threat: bytes that a lenient JSON parser reads one way and the signer meant another
 * (in-toto/in-toto-golang#50, theupdateframework/specification#92): a duplicate key
 * whose second value is acted on while the first was signed; a lone surrogate escape
 * that becomes U+FFFD when re-encoded, so the signature still verifies over a value
 * nobody signed; a float `1.0` that collapses to the signed integer `1`; invalid
 * UTF-8; a byte-order mark.
 *
 * Stopped by: src/in-toto/json.ts `parseStrictJson` (JSON_DUPLICATE_KEY, JSON_STRING,
 * JSON_NUMBER, JSON_SYNTAX) and src/in-toto/canonical.ts, so that the value verified is
 * the value acted on; src/verify/decide.ts makes such a document `invalid`. Escapes
 * that mean the same character as the raw text (`\u0068`, `\/`, a surrogate pair)
 * decode to the same value and verify, as securesystemslib's do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
const ATTACKER_SHA = 'e5'.repeat(32);
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('canonical');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const judge = async (document: string | Buffer) =>
  (await check({ path: deb.path }, { policy, answers: { debian: served(Buffer.from(document)) } })).verdict;

/** A genuine signed link over `products` (and `environment`), as JSON text. */
function signedText(products: Record<string, string>, environment: Record<string, string | number> = {}): string {
  return signMetablock(linkBody({ products, environment }), [debian]).toString('utf8');
}

describe('lookalike JSON is refused, whatever a lenient parser would make of it', () => {
  it('a duplicate key: the signed first value and an appended second one', async () => {
    // Signed: hello's file name with the attacker's digest. Appended: our digest under the same key.
    const genuine = signedText({ [deb.fileName]: ATTACKER_SHA });
    const spliced = genuine.replace(`"${deb.fileName}":{"sha256":"${ATTACKER_SHA}"}`, `"${deb.fileName}":{"sha256":"${ATTACKER_SHA}"},"${deb.fileName}":{"sha256":"${deb.sha256}"}`);
    expect(spliced).not.toBe(genuine);
    const verdict = await judge(spliced);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'JSON_DUPLICATE_KEY' });
  });

  it('a lone surrogate escape standing where U+FFFD was signed', async () => {
    const genuine = signedText({ [deb.fileName]: deb.sha256 }, { note: 'caf\ufffd' });
    expect((await judge(genuine)).code).toBe('ACCEPTED'); // control: the raw U+FFFD was signed
    // JSON.parse accepts "\udc00"; encoded to UTF-8 it becomes EF BF BD, the signed bytes.
    const lookalike = genuine.replace('caf\ufffd', 'caf\\udc00');
    expect(Buffer.from(JSON.parse(lookalike).signed.environment.note as string, 'utf8')).toEqual(Buffer.from('caf\ufffd', 'utf8'));
    const verdict = await judge(lookalike);
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'JSON_STRING' });
  });

  it.each([
    ['a float that equals the signed integer', '"build":1', '"build":1.0'],
    ['an exponent', '"build":1', '"build":1e0'],
    ['an integer beyond 2^53', '"build":1', '"build":9007199254740993'],
  ])('%s: JSON_NUMBER', async (_what, signed, served) => {
    const genuine = signedText({ [deb.fileName]: deb.sha256 }, { build: 1 });
    expect(genuine).toContain(signed);
    const verdict = await judge(genuine.replace(signed, served));
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'JSON_NUMBER' });
  });

  it('invalid UTF-8 (an overlong "/") and a byte-order mark', async () => {
    const genuine = Buffer.from(signedText({ [deb.fileName]: deb.sha256 }, { path: 'a/b' }));
    const slash = genuine.indexOf('a/b') + 1;
    const overlong = Buffer.concat([genuine.subarray(0, slash), Buffer.from([0xc0, 0xaf]), genuine.subarray(slash + 1)]);
    expect(outcomeOf(await judge(overlong), 'debian')).toMatchObject({ status: 'invalid', code: 'JSON_STRING' });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), genuine]);
    expect(outcomeOf(await judge(bom), 'debian')).toMatchObject({ status: 'invalid', code: 'JSON_SYNTAX' });
  });
});

describe('escapes that mean what the raw text means', () => {
  it('verify exactly like the raw document: \\u escapes, \\/ and a surrogate pair', async () => {
    const genuine = signedText({ [deb.fileName]: deb.sha256 }, { path: 'a/b', smile: '\u{1f600}' });
    const escaped = genuine
      .replace(`"${deb.fileName}"`, `"\\u0068ello_2.0-1_amd64.deb"`)
      .replace('a/b', 'a\\/b')
      .replace('\u{1f600}', '\\ud83d\\ude00');
    expect(escaped).not.toBe(genuine);
    expect((await judge(escaped)).code).toBe('ACCEPTED');
  });

  it('but an escaped backslash is a different value: the signature fails', async () => {
    const genuine = signedText({ [deb.fileName]: deb.sha256 }, { path: 'h' });
    const verdict = await judge(genuine.replace('"path":"h"', '"path":"\\\\u0068"'));
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });
});
