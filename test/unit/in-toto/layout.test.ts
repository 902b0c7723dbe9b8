import { describe, expect, it } from 'vitest';
import { loadPublicKeys, verifyLayout, type PublicKey } from '../../../src/in-toto/index.js';
import { makeSigner, signMetablock, type TestSigner } from '../../support/intoto-sign.js';

const NOW = new Date('2026-11-25T12:00:00Z');

function layout(keys: TestSigner[], overrides: Record<string, unknown> = {}, step: Record<string, unknown> = {}) {
  return {
    _type: 'layout',
    expires: '2030-01-01T00:00:00Z',
    readme: '',
    keys: Object.fromEntries(keys.map((k) => [k.keyid, JSON.parse(k.sslibJson)])),
    steps: [
      {
        _type: 'step',
        name: 'rebuild',
        threshold: 2,
        pubkeys: keys.map((k) => k.keyid),
        expected_command: [],
        expected_materials: [],
        expected_products: [['CREATE', '*.deb'], ['DISALLOW', '*.deb']],
        ...step,
      },
    ],
    inspect: [
      {
        _type: 'inspection',
        name: 'verify-reprobuilds',
        run: ['true'],
        expected_materials: [['MATCH', '*.deb', 'WITH', 'PRODUCTS', 'FROM', 'rebuild'], ['DISALLOW', '*.deb']],
        expected_products: [],
      },
    ],
    ...overrides,
  };
}

describe('verifyLayout', () => {
  const owner = makeSigner();
  const rebuilders = [makeSigner(), makeSigner('rsassa-pss-sha256')];
  let ownerKeys: PublicKey[];

  it('verifies a signed layout and exposes the rebuild step', async () => {
    ownerKeys = await loadPublicKeys(Buffer.from(owner.sslibJson), NOW);
    const v = verifyLayout(signMetablock(layout(rebuilders), [owner]), ownerKeys, NOW);
    expect(v.steps.get('rebuild')!.threshold).toBe(2);
    expect(v.steps.get('rebuild')!.keys).toHaveLength(2);
    expect(v.inspections[0]!.name).toBe('verify-reprobuilds');
  });

  it.each([
    ['LAYOUT_EXPIRED', { expires: '2026-11-25T12:00:00Z' }, {}],
    ['METADATA_FORMAT', { expires: '2030-02-30T00:00:00Z' }, {}],
    ['LAYOUT_STEP', {}, { threshold: 3 }],
    ['LAYOUT_STEP', {}, { threshold: 0 }],
    ['LAYOUT_STEP', {}, { pubkeys: ['0'.repeat(64)] }],
    ['LAYOUT_RULE', {}, { expected_products: [['EXEC', 'x']] }],
    ['METADATA_FORMAT', { extra: true }, {}],
  ])('refuses with %s', (code, overrides, step) => {
    const bytes = signMetablock(layout(rebuilders, overrides, step), [owner]);
    expect(() => verifyLayout(bytes, ownerKeys, NOW)).toThrow(expect.objectContaining({ code }));
  });

  it('requires every layout key to have signed', async () => {
    const second = await loadPublicKeys(Buffer.from(makeSigner().sslibJson), NOW);
    expect(() => verifyLayout(signMetablock(layout(rebuilders), [owner]), [...ownerKeys, ...second], NOW)).toThrow(
      expect.objectContaining({ code: 'LAYOUT_SIGNATURE' }),
    );
    expect(() => verifyLayout(signMetablock(layout(rebuilders), [owner]), [], NOW)).toThrow(expect.objectContaining({ code: 'LAYOUT_SIGNATURE' }));
  });
});
