/**
 * Threat: one signing key pinned for two operators, so that one signer is counted as
 * two independent rebuilders — directly, or disguised as two key files (rebuilderd's
 * PEM and securesystemslib JSON of one key, an armored certificate and its GPG JSON,
 * or one signing subkey bound under two certificates).
 *
 * Stopped by: src/policy/bind-policy.ts `assertOneOperatorPerKey` (keys compared by
 * the identity and fingerprint of their material) — a policy error,
 * POLICY_KEY_OPERATORS — and src/runtime/check-deb.ts, which refuses every package
 * while the policy is unusable (REFUSED_POLICY, even for an audit policy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { fixtureKey } from './support/fixtures.js';
import { check, NOW, policyErrorOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const shared = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;

beforeAll(async () => {
  tmp = await scratch('key-operators');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
});
afterAll(() => tmp.remove());

const twoOperators = (a: string, b: string, top?: string) =>
  policyYaml({ threshold: 2, rebuilders: [{ name: 'alpha', keys: [a] }, { name: 'beta', keys: [b] }], ...(top === undefined ? {} : { top }) });

describe('one key under two operators', () => {
  it.each([
    ['the same PEM file', 'keys/a.pem', 'keys/a.pem', { 'keys/a.pem': shared.publicPem }],
    ["rebuilderd's NULL-parameter PEM and securesystemslib JSON of one key", 'keys/a.pem', 'keys/a.pub', { 'keys/a.pem': shared.rebuilderdPem, 'keys/a.pub': shared.sslibJson }],
    ['an armored OpenPGP certificate and its securesystemslib GPG JSON', 'keys/a.asc', 'keys/a.json', { 'keys/a.asc': fixtureKey('gpg-rsa-subkey', 'cert'), 'keys/a.json': fixtureKey('gpg-rsa-subkey', 'gpgJson') }],
    [
      'one signing subkey validly bound under two certificates',
      'keys/owner.asc',
      'keys/c2.asc',
      { 'keys/owner.asc': fixtureKey('threat-stolen-subkey-owner', 'cert'), 'keys/c2.asc': fixtureKey('threat-shared-subkey-c2', 'cert') },
    ],
  ])('%s: POLICY_KEY_OPERATORS, pointing at the second listing', async (_what, a, b, files) => {
    const error = await policyErrorOf(policyFrom(twoOperators(a, b), files, NOW));
    expect(error.code).toBe('POLICY_KEY_OPERATORS');
    expect(error.path).toBe('rebuilders[1].keys[0]');
    expect(error.line).toBe(5);
  });

  it('is fine under two rebuilders of one operator (one operator, two URLs)', async () => {
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'amd64', operator: 'debian', keys: ['keys/a.pem'] }, { name: 'all', operator: 'debian', keys: ['keys/a.pem'] }] });
    await expect(policyFrom(yaml, { 'keys/a.pem': shared.publicPem }, NOW)).resolves.toMatchObject({ threshold: 1 });
  });

  it('makes every package refused, even in audit mode, with a message saying why', async () => {
    const error = await policyErrorOf(policyFrom(twoOperators('keys/a.pem', 'keys/a.pem', 'mode: audit'), { 'keys/a.pem': shared.publicPem }, NOW));
    const { verdict } = await check({ path: deb.path }, { policy: error, answers: { alpha: served(Buffer.from('{}')) } });
    expect(verdict).toMatchObject({ code: 'REFUSED_POLICY', accepted: false, enforced: true });
    expect(verdict.detail).toContain('POLICY_KEY_OPERATORS');
    expect(verdict.package).toMatchObject({ name: 'hello', version: '2.0-1', sha256: deb.sha256 });
  });
});
