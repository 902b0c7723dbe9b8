/**
 * Threat: a signed trust-root layout past its `expires` date — an old root of trust
 * (keys since retired, a lower threshold) kept in use, or rolled back to.
 *
 * Stopped by: src/in-toto/models/layout.ts `verifyLayout` (LAYOUT_EXPIRED, judged at
 * the policy's `now`), src/policy/load-policy.ts (the policy is unusable:
 * POLICY_TRUST_ROOT) and src/runtime/check-deb.ts (everything is refused,
 * REFUSED_POLICY, even when every rebuilder agrees).
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_DEB } from './support/fixtures.js';
import { sixGenuineLinks, trustRootPolicy } from './support/trust-root.js';
import { check, NOW, policyErrorOf } from './support/world.js';

describe('an expired trust-root layout', () => {
  it('root.expired.layout (validly signed, expired 2021-01-01) makes the policy unusable', async () => {
    const error = await policyErrorOf(trustRootPolicy({ layout: 'root.expired.layout', layoutKeys: ['layout-owner-ed25519'], now: NOW }));
    expect(error.code).toBe('POLICY_TRUST_ROOT');
    expect(error.message).toContain('LAYOUT_EXPIRED');
    expect(error.path).toBe('trust-root.layout');
  });

  it('and every package is refused, though all six rebuilders agree', async () => {
    const error = await policyErrorOf(trustRootPolicy({ layout: 'root.expired.layout', layoutKeys: ['layout-owner-ed25519'], now: NOW }));
    const { verdict } = await check({ path: FIXTURE_DEB.path }, { policy: error, answers: sixGenuineLinks() });
    expect(verdict).toMatchObject({ code: 'REFUSED_POLICY', accepted: false, enforced: true });
  });

  it('root.layout itself expires on 2030-01-01: the day after, the same policy is refused', async () => {
    const error = await policyErrorOf(trustRootPolicy({ layout: 'root.layout', layoutKeys: ['layout-owner-ed25519'], now: new Date('2030-01-01T00:00:00Z') }));
    expect(error.code).toBe('POLICY_TRUST_ROOT');
    expect(error.message).toContain('LAYOUT_EXPIRED');
  });

  it('control: root.layout before it expires takes its threshold (6) from the rebuild step and accepts the six links', async () => {
    const policy = await trustRootPolicy({ layout: 'root.layout', layoutKeys: ['layout-owner-ed25519'], now: NOW });
    expect(policy).toMatchObject({ threshold: 6, thresholdSource: 'trust-root' });
    const { verdict } = await check({ path: FIXTURE_DEB.path }, { policy, answers: sixGenuineLinks() });
    expect(verdict.code).toBe('ACCEPTED');
    expect(verdict.agreeingOperators).toHaveLength(6);
  });
});
