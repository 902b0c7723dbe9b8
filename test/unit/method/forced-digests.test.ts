import { describe, expect, it } from 'vitest';
import { forcedDigests } from '../../../src/method/gate.js';

const listed = { expected: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), md5: 'c'.repeat(32) } };
const sha256Only = { expected: { sha256: 'a'.repeat(64) } };

describe('forcedDigests: which digests besides SHA-256 the method computes', () => {
  it('computes none unless Acquire::ForceHash names one (apt needs one type in common)', () => {
    expect(forcedDigests(undefined, listed)).toEqual([]);
    expect(forcedDigests('SHA256', listed)).toEqual([]);
    expect(forcedDigests('', listed)).toEqual([]);
  });

  it('computes the forced type when the index lists it, in any case apt accepts', () => {
    expect(forcedDigests('SHA512', listed)).toEqual(['sha512']);
    expect(forcedDigests('sha512', listed)).toEqual(['sha512']);
    expect(forcedDigests('MD5Sum', listed)).toEqual(['md5']);
  });

  it('computes nothing extra for a forced type the index lacks (apt fails that item itself)', () => {
    expect(forcedDigests('SHA512', sha256Only)).toEqual([]);
    expect(forcedDigests('SHA1', listed)).toEqual([]);
  });
});
