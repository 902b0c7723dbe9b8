/**
 * Threat: a genuine, well-formed attestation for the exact sha256, signed by a key the
 * admin never pinned for that rebuilder — an attacker's own key, another rebuilder's
 * key, or rebuilderd's per-worker key alone.
 *
 * Stopped by: src/in-toto/attestation.ts `verifyAttestation` (only the rebuilder's own
 * pinned keys are tried) and src/verify/decide.ts (such a document is `invalid`
 * with SIGNATURE_NONE_TRUSTED and never counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
const notset = makeSigner('rsassa-pss-sha256');
const attacker = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('untrusted');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }, { name: 'notset', keys: ['keys/notset.pem'] }] });
  policy = await policyFrom(yaml, { 'keys/debian.pem': debian.rebuilderdPem, 'keys/notset.pem': notset.publicPem }, NOW);
});
afterAll(() => tmp.remove());

describe('a signature by a key the policy does not pin for that rebuilder', () => {
  it("an attacker's own key: invalid, refused", async () => {
    const doc = signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [attacker]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(doc) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
  });

  it("another rebuilder's pinned key does not vouch for this one (keys are per rebuilder)", async () => {
    const byNotset = signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [notset]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(byNotset) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
  });

  it("rebuilderd's worker signature alone does not count, even with the instance's keyid copied onto it", async () => {
    const worker = makeSigner();
    const workerOnly = JSON.parse(rebuilderdAttestation(deb.fileName, deb.sha256, worker, worker).toString('utf8')) as {
      signatures: { keyid: string; sig: string }[];
    };
    workerOnly.signatures = workerOnly.signatures.map((s) => ({ ...s, keyid: debian.keyid }));
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(Buffer.from(JSON.stringify(workerOnly))) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    // Claiming the pinned key's keyid and failing is a forgery, not merely an unknown key.
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it('the same document signed by the pinned instance key is the control', async () => {
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(rebuilderdAttestation(deb.fileName, deb.sha256, debian)) } });
    expect(verdict.code).toBe('ACCEPTED');
    expect(outcomeOf(verdict, 'debian').status).toBe('agrees');
  });
});
