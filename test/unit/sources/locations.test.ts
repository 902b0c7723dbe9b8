/**
 * Which files apt reads sources from: the locations from apt's configuration, the
 * names GetListOfFilesInDir accepts, and the format chosen by extension.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AptConfig } from '../../../src/apt/protocol/config.js';
import { parseHookInput } from '../../../src/hook/input.js';
import { DEFAULT_SOURCES_LOCATIONS, isSourcesPartName, sourcesFormatOf, sourcesLocations } from '../../../src/sources/locations.js';

describe('sourcesLocations', () => {
  it('resolves the values apt had in a real run (hook golden input) below Dir::Etc and Dir', () => {
    const { config } = parseHookInput(readFileSync(join(import.meta.dirname, '..', 'hook', 'golden', 'mixed.v3.txt')));
    expect(sourcesLocations(config)).toEqual({
      sourceList: '/tmp/hooklab/root/etc/apt/sources.list',
      sourceParts: '/tmp/hooklab/root/etc/apt/sources.list.d/',
    });
  });

  it('puts RootDir in front and keeps absolute values', () => {
    const config = AptConfig.fromItems([
      ['RootDir', '/srv/chroot'],
      ['Dir', '/'],
      ['Dir::Etc', 'etc/apt'],
      ['Dir::Etc::sourcelist', '/opt/lists/main.list'],
      ['Dir::Etc::sourceparts', 'sources.list.d'],
    ]);
    expect(sourcesLocations(config)).toEqual({ sourceList: '/srv/chroot/opt/lists/main.list', sourceParts: '/srv/chroot/etc/apt/sources.list.d/' });
  });

  it('falls back to /etc/apt when the keys are missing', () => {
    expect(sourcesLocations(AptConfig.fromItems([]))).toEqual(DEFAULT_SOURCES_LOCATIONS);
  });
});

describe('isSourcesPartName (GetListOfFilesInDir with extensions list and sources)', () => {
  it.each([
    ['debian.sources', true],
    ['qubes-r4.list', true],
    ['a_b-c:d.e.list', true],
    ['x.list.reprogate.bak', false],
    ['x.sources.reprogate.bak', false],
    ['.x.list.reprogate-0123abcd', false],
    ['.hidden.list', false],
    ['x.list.save', false],
    ['x.list.dpkg-old', false],
    ['x.list~', false],
    ['x.lis', false],
    ['list', false],
    ['a b.list', false],
    ['caf\u00e9.list', false],
    ['x+y.list', false],
  ])('%j: %s', (name, accepted) => {
    expect(isSourcesPartName(name)).toBe(accepted);
  });
});

describe('sourcesFormatOf', () => {
  it.each([
    ['/etc/apt/sources.list', 'one-line'],
    ['/etc/apt/sources.list.d/debian.sources', 'deb822'],
    ['/etc/apt/sources.list.d/x.list', 'one-line'],
    ['/etc/apt/sources', 'one-line'],
    ['/etc/apt.sources/sources.list', 'one-line'],
  ])('%s is %s', (path, format) => {
    expect(sourcesFormatOf(path)).toBe(format);
  });
});
