import { describe, expect, it } from 'vitest';

import { exemptionEnd, isExemptionActive } from '../../../src/policy/index.js';

const exempt = { reason: 'kernel images are not reproducible yet', until: '2027-06-30' };

describe('exemptions', () => {
  it('end at midnight UTC after the until day', () => {
    expect(exemptionEnd(exempt).toISOString()).toBe('2027-07-01T00:00:00.000Z');
  });

  it.each([
    ['2026-01-01T00:00:00.000Z', true],
    ['2027-06-30T00:00:00.000Z', true],
    ['2027-06-30T23:59:59.999Z', true],
    ['2027-07-01T00:00:00.000Z', false],
    ['2027-07-01T00:00:00.001Z', false],
    ['2030-01-01T00:00:00.000Z', false],
  ])('at %s the exemption is active: %s (inclusive through the UTC day)', (now, active) => {
    expect(isExemptionActive(exempt, new Date(now))).toBe(active);
  });

  it('uses UTC whatever the offset a time is written with', () => {
    // 01:30 on July 1st in Berlin is still June 30th in UTC.
    expect(isExemptionActive(exempt, new Date('2027-07-01T01:30:00+02:00'))).toBe(true);
    // 20:00 on June 30th in New York is already July 1st in UTC.
    expect(isExemptionActive(exempt, new Date('2027-06-30T20:00:00-04:00'))).toBe(false);
  });

  it('handles a leap day', () => {
    const leap = { reason: 'r', until: '2028-02-29' };
    expect(isExemptionActive(leap, new Date('2028-02-29T12:00:00Z'))).toBe(true);
    expect(isExemptionActive(leap, new Date('2028-03-01T00:00:00Z'))).toBe(false);
  });

  it('is inactive for an invalid clock or an unreal date (fails closed)', () => {
    expect(isExemptionActive(exempt, new Date(Number.NaN))).toBe(false);
    expect(isExemptionActive({ reason: 'r', until: '2027-02-30' }, new Date('2020-01-01T00:00:00Z'))).toBe(false);
  });
});
