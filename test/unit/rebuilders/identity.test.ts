import { describe, expect, it } from 'vitest';
import { checkQuery, checkRebuilderName, urlSegment } from '../../../src/rebuilders/identity.js';
import type { PackageQuery } from '../../../src/rebuilders/types.js';
import { thrownBy } from '../../support/rebuilder-assert.js';

const BASE: PackageQuery = {
  name: 'hello',
  version: '2.10-3',
  architecture: 'amd64',
  source: { name: 'hello', version: '2.10-3' },
  sha256: '0'.repeat(64),
};

describe('checkQuery', () => {
  it.each([
    ['an epoch', { version: '1:2.0-1' }],
    ['a binNMU', { version: '0.2.1-1+b2' }],
    ['a tilde', { version: '2.0~rc1-1' }],
    ['a plus in the name', { name: 'libstdc++6' }],
    ['a dotted name', { name: 'python3.11' }],
    ['Architecture: all', { architecture: 'all' }],
    ['a hyphenated architecture', { architecture: 'hurd-i386' }],
  ])('accepts %s', (_what, change) => {
    expect(() => checkQuery({ ...BASE, ...change })).not.toThrow();
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a one-letter name', { name: 'a' }],
    ['an upper-case name', { name: 'Hello' }],
    ['a slash', { name: 'a/b' }],
    ['dot-dot as version', { version: '..' }],
    ['a leading dot', { version: '.1' }],
    ['a NUL', { version: '1.0\u0000' }],
    ['a space', { version: '1.0 1' }],
    ['a percent sign', { version: '1%2e0' }],
    ['a newline in the architecture', { architecture: 'amd64\n' }],
    ['a long version', { version: '1'.repeat(129) }],
    ['a non-string', { version: 42 as unknown as string }],
  ])('refuses %s', (_what, change) => {
    expect(thrownBy(() => checkQuery({ ...BASE, ...change }))).toMatchObject({ code: 'REBUILDER_BAD_QUERY' });
  });

  it('refuses a sha256 that is not lowercase hex', () => {
    expect(thrownBy(() => checkQuery({ ...BASE, sha256: 'A'.repeat(64) }))).toMatchObject({ code: 'REBUILDER_BAD_NAME' });
  });

  it('quotes the offending value with control characters escaped', () => {
    expect((thrownBy(() => checkQuery({ ...BASE, name: 'x\ny' })) as Error).message).toBe(
      'package name "x\\ny" cannot be used in a URL or path',
    );
  });
});

describe('checkRebuilderName', () => {
  it.each(['debian', 'debian-amd64', 'reproduce.debian.net', 'r_1'])('accepts %s', (name) => {
    expect(() => checkRebuilderName(name)).not.toThrow();
  });
  it.each(['', '.', '..', '.hidden', 'a/b', 'a b', 'x'.repeat(65)])('refuses %j', (name) => {
    expect(thrownBy(() => checkRebuilderName(name))).toMatchObject({ code: 'REBUILDER_BAD_NAME' });
  });
});

describe('urlSegment', () => {
  it('percent-encodes the epoch colon and the plus sign', () => {
    expect(urlSegment('1:2.0-1+b1')).toBe('1%3A2.0-1%2Bb1');
    expect(urlSegment('2.0~rc1')).toBe('2.0~rc1');
  });
});
