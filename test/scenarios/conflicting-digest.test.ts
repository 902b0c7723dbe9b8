/**
 * Threat: the mirror serves a .deb that differs from what the rebuilders built. A
 * trusted rebuilder's link names exactly this file (`<name>_<version without
 * epoch>_<arch>.deb`) with another sha256: it contradicts the download.
 *
 * Stopped by: src/verify/decide.ts — such a rebuilder `conflicts`, and with
 * `on-conflict: refuse` (the default) the package is refused even when the
 * threshold is met by others, and an exemption never forgives it. Only a validly
 * signed document can conflict, so an attacker cannot manufacture one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const REBUILT = 'd4'.repeat(32); // what the rebuilders say the file should hash to
const signers = { a: makeSigner(), b: makeSigner('ecdsa-sha2-nistp256'), c: makeSigner() };
const KEYS = { 'keys/a.pem': signers.a.rebuilderdPem, 'keys/b.pub': signers.b.sslibJson, 'keys/c.pem': signers.c.rebuilderdPem };
const REBUILDERS = [
  { name: 'a', keys: ['keys/a.pem'] },
  { name: 'b', keys: ['keys/b.pub'] },
  { name: 'c', keys: ['keys/c.pem'] },
];
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;

beforeAll(async () => {
  tmp = await scratch('conflict');
  // An epoch: apt, the pool and rebuilders all name the file without it.
  deb = await realDeb(tmp.dir, { name: 'hello', version: '1:2.0-1' });
});
afterAll(() => tmp.remove());

const agrees = (signer = signers.a) => signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [signer]);

describe('a trusted link for this file name with another sha256', () => {
  it('refuses the package even though two other operators agree (on-conflict defaults to refuse)', async () => {
    const policy = await policyFrom(policyYaml({ threshold: 2, rebuilders: REBUILDERS }), KEYS, NOW);
    const rival = rebuilderdAttestation(deb.fileName, REBUILT, signers.c);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { a: served(agrees(signers.a)), b: served(agrees(signers.b)), c: served(rival) } });
    expect(deb.fileName).toBe('hello_2.0-1_amd64.deb');
    expect(verdict.code).toBe('REFUSED_CONFLICT');
    expect(verdict.agreeingOperators).toEqual(['a', 'b']);
    expect(outcomeOf(verdict, 'c')).toMatchObject({ status: 'conflicts', code: 'CONFLICT', conflictingSha256: REBUILT });
  });

  it('a rebuilder that signed both digests for this file conflicts: it contradicts the download', async () => {
    const policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: REBUILDERS }), KEYS, NOW);
    const both = served(agrees(signers.a), rebuilderdAttestation(deb.fileName, REBUILT, signers.a));
    const { verdict } = await check({ path: deb.path }, { policy, answers: { a: both } });
    expect(verdict.code).toBe('REFUSED_CONFLICT');
    expect(outcomeOf(verdict, 'a').status).toBe('conflicts');
  });

  it('an exemption does not forgive a conflict', async () => {
    const exempt = 'rules:\n  - match: { package: "hello" }\n    exempt: { reason: "not reproducible yet", until: 2027-06-30 }\n';
    const policy = await policyFrom(policyYaml({ threshold: 2, rebuilders: REBUILDERS, extra: exempt }), KEYS, NOW);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { c: served(rebuilderdAttestation(deb.fileName, REBUILT, signers.c)) } });
    expect(verdict.code).toBe('REFUSED_CONFLICT');
  });

  it('on-conflict: ignore lets the threshold decide, and still records the conflict', async () => {
    const policy = await policyFrom(policyYaml({ threshold: 2, rebuilders: REBUILDERS, top: 'on-conflict: ignore' }), KEYS, NOW);
    const { verdict } = await check(
      { path: deb.path },
      { policy, answers: { a: served(agrees(signers.a)), b: served(agrees(signers.b)), c: served(rebuilderdAttestation(deb.fileName, REBUILT, signers.c)) } },
    );
    expect(verdict.code).toBe('ACCEPTED');
    expect(outcomeOf(verdict, 'c').status).toBe('conflicts');
  });

  it("an attacker's rival link (untrusted key) is invalid, not a conflict: it cannot veto a package", async () => {
    const policy = await policyFrom(policyYaml({ threshold: 2, rebuilders: REBUILDERS }), KEYS, NOW);
    const forgedRival = rebuilderdAttestation(deb.fileName, REBUILT, makeSigner());
    const { verdict } = await check({ path: deb.path }, { policy, answers: { a: served(agrees(signers.a)), b: served(agrees(signers.b)), c: served(forgedRival) } });
    expect(verdict.code).toBe('ACCEPTED');
    expect(outcomeOf(verdict, 'c')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
  });
});
