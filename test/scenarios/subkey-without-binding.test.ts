/**
 * Threat: a signing subkey that is not validly part of the pinned certificate — its
 * binding signature corrupted or removed, or someone else's subkey bound to the
 * certificate without the embedded back-signature (0x19) only the subkey's holder can
 * make (in-toto/in-toto#202 and the "stolen subkey" adoption). The reference
 * implementation accepts the stolen subkey; these are real gpg-made certificates
 * (test/vectors/in-toto-run/, case e and f).
 *
 * Stopped by: src/in-toto/keys/openpgp.ts — a subkey is usable only when its binding
 * signature verifies and carries a valid back-signature (openpgp.js `getSigningKey` at
 * `now`); otherwise it is KEY_UNBOUND, and a document it signed is `invalid`.
 */
import { describe, expect, it } from 'vitest';
import { policyFrom } from '../support/policy-fixture.js';
import { FIXTURE_DEB, fixtureKey, fixtureLink } from './support/fixtures.js';
import { check, NOW, outcomeOf, policyYaml, served } from './support/world.js';

async function verdictUnder(certificate: string) {
  const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }] });
  const policy = await policyFrom(yaml, { 'keys/gpg.asc': fixtureKey(certificate, 'cert') }, NOW);
  const link = fixtureLink(certificate);
  return (await check({ path: FIXTURE_DEB.path }, { policy, answers: { gpg: served(link) } })).verdict;
}

describe('a subkey without a valid binding', () => {
  it.each([
    ['threat-subkey-binding-broken', 'binding signature corrupted'],
    ['threat-subkey-binding-missing', 'binding signature removed'],
    ['threat-stolen-subkey-thief', "another owner's subkey bound without its back-signature"],
  ])('%s (%s): the link it signed is invalid, KEY_UNBOUND, and the package refused', async (certificate) => {
    const verdict = await verdictUnder(certificate);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'gpg')).toMatchObject({ status: 'invalid', code: 'KEY_UNBOUND' });
  });

  it.each(['threat-subkey-binding-intact', 'threat-stolen-subkey-owner', 'threat-shared-subkey-c2'])(
    '%s (validly bound, back-signature present) is the control: accepted',
    async (certificate) => {
      expect((await verdictUnder(certificate)).code).toBe('ACCEPTED');
    },
  );

  it('the unbound subkey is not counted for an exemption either (an invalid document blocks it)', async () => {
    const exempt = 'rules:\n  - match: { package: "foo" }\n    exempt: { reason: "not reproducible yet", until: 2027-06-30 }\n';
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'gpg', keys: ['keys/gpg.asc'] }], extra: exempt });
    const policy = await policyFrom(yaml, { 'keys/gpg.asc': fixtureKey('threat-stolen-subkey-thief', 'cert') }, NOW);
    const { verdict } = await check({ path: FIXTURE_DEB.path }, { policy, answers: { gpg: served(fixtureLink('threat-stolen-subkey-thief')) } });
    expect(verdict.code).toBe('REFUSED_INVALID');
  });
});
