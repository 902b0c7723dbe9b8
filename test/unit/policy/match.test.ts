import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { globMatches, parseHost } from '../../../src/policy/match.js';

/** The obvious implementation, fine for short inputs: the reference the fast one must agree with. */
function referenceGlob(glob: string, name: string): boolean {
  const source = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+\\-]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(name);
}

describe('globMatches', () => {
  it.each([
    ['linux-image-*', 'linux-image-6.1.0-18-amd64', true],
    ['linux-image-*', 'linux-image-', true],
    ['linux-image-*', 'linux-headers-6.1', false],
    ['lib?', 'libc', true],
    ['lib?', 'lib', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['c++', 'c++', true],
    ['g.+', 'g.+', true],
    ['g.+', 'gx+', false],
  ])('%s against %s: %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });

  it('agrees with a regular-expression reference', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '+', '-');
    const glob = fc.array(fc.oneof(alphabet, fc.constantFrom('*', '?')), { maxLength: 8 }).map((cs) => cs.join(''));
    const name = fc.array(alphabet, { maxLength: 10 }).map((cs) => cs.join(''));
    fc.assert(fc.property(glob, name, (g, n) => globMatches(g, n) === referenceGlob(g, n)), { numRuns: 2000 });
  });

  it('stays fast on a glob built to make a backtracking matcher explode', () => {
    const glob = `${'*a'.repeat(40)}*b`;
    const name = 'a'.repeat(200);
    const started = performance.now();
    expect(globMatches(glob, name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('parseHost', () => {
  it.each([
    ['deb.example', { host: 'deb.example', port: '' }],
    ['DEB.Example.', { host: 'deb.example', port: '' }],
    ['deb.example:8080', { host: 'deb.example', port: '8080' }],
    ['127.0.0.1', { host: '127.0.0.1', port: '' }],
    ['[::1]:443', { host: '[::1]', port: '443' }],
    ['bücher.example', { host: 'xn--bcher-kva.example', port: '' }],
  ])('%s', (origin, expected) => {
    expect(parseHost(origin)).toEqual(expected);
  });

  it.each([[''], ['https://deb.example'], ['deb.example/debian'], ['me@deb.example'], ['deb example'], ['[::1'], ['.']])(
    'refuses %s',
    (origin) => {
      expect(parseHost(origin)).toBeUndefined();
    },
  );
});
