/**
 * Threat: a document whose signature was forged, or whose signed content was changed
 * after signing (a digest rewritten to the attacker's .deb), presented as a trusted
 * rebuilder's attestation.
 *
 * Stopped by: src/in-toto/attestation.ts `checkSignatures` (the signature must verify
 * over the canonical bytes of what is acted on), and src/verify/decide.ts (a document
 * that does not verify is `invalid` and never counts, and is never a conflict).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { FIXTURE_DEB, fixture, fixtureKey } from './support/fixtures.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
const notset = makeSigner('ecdsa-sha2-nistp256');
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('forged');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }, { name: 'notset', keys: ['keys/notset.pub'] }] });
  policy = await policyFrom(yaml, { 'keys/debian.pem': debian.rebuilderdPem, 'keys/notset.pub': notset.sslibJson }, NOW);
});
afterAll(() => tmp.remove());

/** Flips one bit in the hex `sig` of the signature at `index`. */
function flipSignature(document: Buffer, index: number): Buffer {
  const parsed = JSON.parse(document.toString('utf8')) as { signatures: { sig: string }[] };
  const signature = parsed.signatures[index]!;
  const first = parseInt(signature.sig.slice(0, 2), 16) ^ 0x01;
  signature.sig = first.toString(16).padStart(2, '0') + signature.sig.slice(2);
  return Buffer.from(JSON.stringify(parsed));
}

describe('a forged signature', () => {
  it('on a rebuilderd attestation for the exact sha256 is invalid and the package is refused', async () => {
    const genuine = rebuilderdAttestation(deb.fileName, deb.sha256, debian);
    const forged = flipSignature(genuine, 1); // the instance's signature; the worker's is unknown anyway
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(forged) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID', documents: 1 });
    expect(verdict.agreeingOperators).toEqual([]);
  });

  it('does not count beside a genuine attestation from another rebuilder, and is reported', async () => {
    const genuine = signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [notset]);
    const forged = flipSignature(rebuilderdAttestation(deb.fileName, deb.sha256, debian), 1);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(forged), notset: served(genuine) } });
    expect(verdict.code).toBe('ACCEPTED');
    expect(verdict.agreeingOperators).toEqual(['notset']);
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });
});

describe('content changed after signing', () => {
  it('a digest rewritten to the attacker’s .deb does not verify', async () => {
    const other = 'c3'.repeat(32);
    const genuine = JSON.parse(rebuilderdAttestation(deb.fileName, other, debian).toString('utf8')) as {
      signed: { products: Record<string, { sha256: string }> };
    };
    genuine.signed.products[deb.fileName]!.sha256 = deb.sha256;
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(Buffer.from(JSON.stringify(genuine))) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it('an in-toto-run link (GPG EdDSA and securesystemslib ed25519) whose product digest was changed is invalid, not a conflict', async () => {
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }, { name: 'sslib', keys: ['keys/sslib.pub'] }] });
    const real = await policyFrom(yaml, { 'keys/gpg.asc': fixtureKey('gpg-eddsa', 'cert'), 'keys/sslib.pub': fixtureKey('ed25519', 'pub') }, NOW);
    const { verdict } = await check(
      { path: FIXTURE_DEB.path },
      { policy: real, answers: { gpg: served(fixture('links/gpg-eddsa.tampered.link')), sslib: served(fixture('links/ed25519.tampered.link')) } },
    );
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
    expect(outcomeOf(verdict, 'sslib')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  /**
   * A GPG signature whose `other_headers` is valid hex but not a v4 binary-document
   * SHA-256 header spoils that signature only (src/in-toto/attestation.ts `checkOne`
   * catches the format error): that rebuilder is `invalid`, the others still count.
   * Found by fuzzing; before the fix the exception left `decide()` and the whole
   * package was REFUSED_INTERNAL.
   */
  it('a GPG signature with a malformed header is invalid for its rebuilder only', async () => {
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }, { name: 'sslib', keys: ['keys/sslib.pub'] }] });
    const real = await policyFrom(yaml, { 'keys/gpg.asc': fixtureKey('gpg-eddsa', 'cert'), 'keys/sslib.pub': fixtureKey('ed25519', 'pub') }, NOW);
    const link = JSON.parse(fixture('links/gpg-eddsa.link').toString('utf8')) as { signatures: { other_headers: string }[] };
    link.signatures[0]!.other_headers = `05${link.signatures[0]!.other_headers.slice(2)}`; // signature version 5
    const { verdict } = await check(
      { path: FIXTURE_DEB.path },
      { policy: real, answers: { gpg: served(Buffer.from(JSON.stringify(link))), sslib: served(fixture('links/ed25519.link')) } },
    );
    expect(verdict.code).toBe('ACCEPTED');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_FORMAT' });
  });

  it('the untampered links are the control: the same policy accepts them', async () => {
    const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }, { name: 'sslib', keys: ['keys/sslib.pub'] }] });
    const real = await policyFrom(yaml, { 'keys/gpg.asc': fixtureKey('gpg-eddsa', 'cert'), 'keys/sslib.pub': fixtureKey('ed25519', 'pub') }, NOW);
    const { verdict } = await check(
      { path: FIXTURE_DEB.path },
      { policy: real, answers: { gpg: served(fixture('links/gpg-eddsa.link')), sslib: served(fixture('links/ed25519.link')) } },
    );
    expect(verdict.code).toBe('ACCEPTED');
  });
});
