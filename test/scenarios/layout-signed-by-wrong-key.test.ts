/**
 * Threat: a trust-root layout not signed by the key the admin pinned for it — signed by
 * another key (an attacker who writes their own root of trust, adding their key and
 * lowering the threshold), or changed after signing.
 *
 * Stopped by: src/in-toto/models/layout.ts `verifyLayout` (every pinned layout key,
 * counted by identity, must have signed the canonical bytes: LAYOUT_SIGNATURE) and
 * src/policy/load-policy.ts (POLICY_TRUST_ROOT; everything is then refused).
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_DEB, fixture } from './support/fixtures.js';
import { sixGenuineLinks, trustRootPolicy } from './support/trust-root.js';
import { check, NOW, policyErrorOf } from './support/world.js';

/** root.layout with its rebuild step's threshold lowered to 1, signature kept. */
function loweredThreshold(): Buffer {
  const layout = JSON.parse(fixture('layouts/root.layout').toString('utf8')) as { signed: { steps: { threshold: number }[] } };
  layout.signed.steps[0]!.threshold = 1;
  return Buffer.from(JSON.stringify(layout));
}

describe('a layout not signed by the pinned layout key', () => {
  it.each([
    ['root.layout (ed25519 owner) checked against a rebuilder key', 'root.layout', ['ed25519']],
    ['root.gpg.layout (GPG owner) checked against the ed25519 owner', 'root.gpg.layout', ['layout-owner-ed25519']],
    ['root.layout when both owners must have signed it', 'root.layout', ['layout-owner-ed25519', 'layout-owner-gpg']],
  ])('%s: POLICY_TRUST_ROOT (LAYOUT_SIGNATURE)', async (_what, layout, layoutKeys) => {
    const error = await policyErrorOf(trustRootPolicy({ layout, layoutKeys, now: NOW }));
    expect(error.code).toBe('POLICY_TRUST_ROOT');
    expect(error.message).toContain('LAYOUT_SIGNATURE');
  });

  it('a layout whose threshold was lowered after signing does not verify, and every package is refused', async () => {
    const error = await policyErrorOf(trustRootPolicy({ layout: loweredThreshold(), layoutKeys: ['layout-owner-ed25519'], now: NOW }));
    expect(error.code).toBe('POLICY_TRUST_ROOT');
    expect(error.message).toContain('LAYOUT_SIGNATURE');
    const { verdict } = await check({ path: FIXTURE_DEB.path }, { policy: error, answers: sixGenuineLinks() });
    expect(verdict.code).toBe('REFUSED_POLICY');
  });

  it('control: the GPG-signed copy verifies under its GPG owner', async () => {
    const policy = await trustRootPolicy({ layout: 'root.gpg.layout', layoutKeys: ['layout-owner-gpg'], now: NOW });
    expect(policy.trustRoot?.signers).toHaveLength(1);
    expect((await check({ path: FIXTURE_DEB.path }, { policy, answers: sixGenuineLinks() })).verdict.code).toBe('ACCEPTED');
  });
});
