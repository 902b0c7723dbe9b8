/**
 * Threat: the two signing keys of one OpenPGP certificate — its primary key and a
 * signing subkey — counted as two signers (in-toto/in-toto#202): one owner signs the
 * same link twice, or two links, once with each key.
 *
 * Stopped by: src/in-toto/keys/openpgp.ts (a subkey's `identity` is its primary's
 * material) and src/in-toto/attestation.ts (`signers` distinct by identity), so both
 * signatures are one signer; src/verify/decide.ts then counts that rebuilder's
 * operator once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { gpgSignMetablock, makeOpenPgpCertificate, type OpenPgpCertificate } from './support/openpgp-signer.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const CREATED = new Date('2024-01-01T00:00:00Z');
const SIGNED = new Date('2025-06-01T00:00:00Z');
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let cert: OpenPgpCertificate;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('openpgp-subkey');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  cert = await makeOpenPgpCertificate(CREATED);
  const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'owner', keys: ['keys/owner.asc'] }, { name: 'bystander', keys: ['keys/bystander.pem'] }] });
  policy = await policyFrom(yaml, { 'keys/owner.asc': cert.armoredPublic, 'keys/bystander.pem': makeSigner().publicPem }, NOW);
});
afterAll(() => tmp.remove());

const link = (name = 'rebuild') => linkBody({ name, products: { [deb.fileName]: deb.sha256 } });

describe('primary key and signing subkey of one certificate', () => {
  it('both are pinned by one armored certificate, under one identity', () => {
    const keys = policy.rebuilders[0]!.keys;
    expect(keys.map((k) => k.keyids[0])).toEqual([cert.primary.fingerprint, cert.subkey.fingerprint]);
    expect(new Set(keys.map((k) => k.identity)).size).toBe(1);
    expect(keys.every((k) => k.unusable === undefined)).toBe(true);
  });

  it('each signs on its own (control)', async () => {
    for (const key of [cert.primary, cert.subkey]) {
      const { verdict } = await check({ path: deb.path }, { policy, answers: { owner: served(gpgSignMetablock(link(), [key], SIGNED)) } });
      expect(outcomeOf(verdict, 'owner').status).toBe('agrees');
    }
  });

  it('one link signed by both counts one signer and one operator', async () => {
    const doc = gpgSignMetablock(link(), [cert.primary, cert.subkey], SIGNED);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { owner: served(doc) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(verdict.agreeingOperators).toEqual(['owner']);
    expect(outcomeOf(verdict, 'owner').signers).toHaveLength(1);
  });

  it('two different links, one by each key, still count one signer and one operator', async () => {
    const byPrimary = gpgSignMetablock(link('rebuild'), [cert.primary], SIGNED);
    const bySubkey = gpgSignMetablock(link('rebuild again'), [cert.subkey], SIGNED);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { owner: served(byPrimary, bySubkey) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'owner')).toMatchObject({ status: 'agrees', documents: 2 });
    expect(outcomeOf(verdict, 'owner').signers).toHaveLength(1);
  });

  it('the certificate pinned under a second operator is a policy error', async () => {
    const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'owner', keys: ['keys/owner.asc'] }, { name: 'again', keys: ['keys/owner.asc'] }] });
    await expect(policyFrom(yaml, { 'keys/owner.asc': cert.armoredPublic }, NOW)).rejects.toMatchObject({ code: 'POLICY_KEY_OPERATORS' });
  });
});
