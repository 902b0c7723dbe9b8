/**
 * Threat: a signature whose `keyid` (or, in GPG format, whose signed issuer
 * fingerprint) names a different key than the one that made it — to get one signature
 * counted for another rebuilder, or to pass an untrusted key off as a trusted one
 * (secure-systems-lab/securesystemslib#251, in-toto/in-toto#135).
 *
 * Stopped by: src/in-toto/attestation.ts — keyids only order the search for a key;
 * the vote goes to whichever pinned key's material verifies the signature, and a
 * signature that claims a pinned key without verifying under it is SIGNATURE_INVALID —
 * and src/in-toto/signatures/gpg.ts (a signed issuer fingerprint must name the
 * verifying key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/in-toto/index.js';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { gpgSignature, makeOpenPgpCertificate } from './support/openpgp-signer.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const alpha = makeSigner();
const beta = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('keyid');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'alpha', keys: ['keys/alpha.pem'] }, { name: 'beta', keys: ['keys/beta.pem'] }] });
  policy = await policyFrom(yaml, { 'keys/alpha.pem': alpha.rebuilderdPem, 'keys/beta.pem': beta.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const link = () => linkBody({ products: { [deb.fileName]: deb.sha256 } });

/** A Metablock signed by `signers` whose signatures all claim `keyid`. */
function claiming(keyid: string, signers: ReturnType<typeof makeSigner>[]): Buffer {
  const doc = JSON.parse(signMetablock(link(), signers).toString('utf8')) as { signatures: { keyid: string }[] };
  for (const s of doc.signatures) s.keyid = keyid;
  return Buffer.from(JSON.stringify(doc));
}

describe('a keyid that names another key', () => {
  it("alpha's signature labelled with beta's keyid counts for alpha only, and is a forgery to beta", async () => {
    const doc = claiming(beta.keyid, [alpha]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { alpha: served(doc), beta: served(doc) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(verdict.agreeingOperators).toEqual(['alpha']);
    expect(outcomeOf(verdict, 'beta')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it("an attacker's signature labelled with a pinned keyid is a forgery, never a vote", async () => {
    const { verdict } = await check({ path: deb.path }, { policy, answers: { alpha: served(claiming(alpha.keyid, [makeSigner()])) } });
    expect(outcomeOf(verdict, 'alpha')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it('a keyid that names no key at all does not stop a genuine signature from counting (keyids are hints)', async () => {
    const { verdict } = await check({ path: deb.path }, { policy, answers: { alpha: served(claiming('00'.repeat(32), [alpha])), beta: served(claiming('', [beta])) } });
    expect(verdict.code).toBe('ACCEPTED');
  });

  it("a GPG signature whose signed issuer fingerprint names another of the owner's keys is not counted", async () => {
    const cert = await makeOpenPgpCertificate(new Date('2024-01-01T00:00:00Z'));
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }] });
    const gpgPolicy = await policyFrom(yaml, { 'keys/gpg.asc': cert.armoredPublic }, NOW);
    const body = link();
    const signature = gpgSignature(cert.subkey, canonicalize(body), new Date('2025-06-01T00:00:00Z'), cert.primary.fingerprint);
    const doc = Buffer.from(JSON.stringify({ signatures: [signature], signed: body }));
    const { verdict } = await check({ path: deb.path }, { policy: gpgPolicy, answers: { gpg: served(doc) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
    expect(outcomeOf(verdict, 'gpg').reason).toContain('names issuer');
  });
});
