/**
 * Threat: a link signed by an OpenPGP key that has since expired or been revoked (the
 * primary or the signing subkey) — e.g. a key retired after a compromise, whose
 * holder back-dates a signature. The reference implementation ignores revocation and,
 * for EdDSA, expiry. Real gpg-made certificates (test/vectors/in-toto-run/, cases a–d):
 * each link was signed while its key was still valid.
 *
 * Stopped by: src/in-toto/keys/openpgp.ts (certificates judged at `now`: KEY_EXPIRED,
 * KEY_REVOKED) and src/in-toto/attestation.ts (a signature by an unusable key makes
 * the document `invalid`, never counted).
 */
import { describe, expect, it } from 'vitest';
import { loadPublicKeys } from '../../src/in-toto/index.js';
import { policyFrom } from '../support/policy-fixture.js';
import { FIXTURE_DEB, fixtureKey, fixtureLink } from './support/fixtures.js';
import { check, NOW, outcomeOf, policyYaml, served } from './support/world.js';

async function judge(certificate: string, form: 'cert' | 'gpgJson' = 'cert') {
  const file = form === 'cert' ? 'keys/gpg.asc' : 'keys/gpg.json';
  const policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: [file] }] }), { [file]: fixtureKey(certificate, form) }, NOW);
  return (await check({ path: FIXTURE_DEB.path }, { policy, answers: { gpg: served(fixtureLink(certificate)) } })).verdict;
}

describe('a link signed by a key that is no longer valid', () => {
  it.each([
    ['threat-expired-key', 'KEY_EXPIRED', 'RSA primary expired 2021-01-01'],
    ['threat-expired-key-eddsa', 'KEY_EXPIRED', 'EdDSA primary expired 2021-01-01 (the reference misses it)'],
    ['threat-expired-subkey', 'KEY_EXPIRED', 'signing subkey expired 2021-01-01'],
    ['threat-revoked-key', 'KEY_REVOKED', 'primary revoked after signing (the reference ignores it)'],
    ['threat-revoked-subkey', 'KEY_REVOKED', 'signing subkey revoked (the reference ignores it)'],
  ])('%s: refused, the rebuilder invalid with %s (%s)', async (certificate, code) => {
    const verdict = await judge(certificate);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code });
  });

  it('an expiry recorded in securesystemslib GPG JSON is honoured too', async () => {
    const verdict = await judge('threat-expired-key', 'gpgJson');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code: 'KEY_EXPIRED' });
  });

  it('the policy still loads (the key is known, just unusable), so the refusal says why', async () => {
    const keys = await loadPublicKeys(fixtureKey('threat-revoked-key', 'cert'), NOW);
    expect(keys.every((k) => k.unusable?.code === 'KEY_REVOKED')).toBe(true);
    const verdict = await judge('threat-revoked-key');
    expect(outcomeOf(verdict, 'gpg').reason).toMatch(/revoked/i);
  });

  it('the same expired key was fine while it was valid (control: the link is genuine)', async () => {
    const then = new Date('2020-07-01T00:00:00Z');
    const keys = await loadPublicKeys(fixtureKey('threat-expired-key', 'cert'), then);
    expect(keys.some((k) => k.unusable === undefined)).toBe(true);
  });
});
