// File names as the pool and apt's cache write them, and the way back.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { debFileName, parseDebFileName } from '../../../src/deb/index.js';
import { expectDebError } from './tools.js';

describe('debFileName', () => {
  test('leaves the epoch out, as the pool does', () => {
    expect(debFileName({ package: 'foo', version: '1:2.0-1', architecture: 'all' })).toBe('foo_2.0-1_all.deb');
    expect(debFileName({ package: 'librust-as-slice-dev', version: '0.2.1-1+b2', architecture: 'amd64' })).toBe(
      'librust-as-slice-dev_0.2.1-1+b2_amd64.deb',
    );
  });

  test('refuses fields that would make a path', async () => {
    await expectDebError(() => debFileName({ package: '../x', version: '1.0', architecture: 'all' }), 'DEB_FILE_NAME');
    await expectDebError(() => debFileName({ package: 'x1', version: '1.0/..', architecture: 'all' }), 'DEB_FILE_NAME');
    await expectDebError(() => debFileName({ package: 'x1', version: '1.0', architecture: 'all/x' }), 'DEB_FILE_NAME');
  });
});

describe('parseDebFileName', () => {
  test.each([
    ['bash_5.2.15-2+b7_amd64.deb', 'bash', '5.2.15-2+b7', 'amd64'],
    ['foo_1%3a2.0-1_all.deb', 'foo', '1:2.0-1', 'all'],
    ['foo_1%3A2.0-1_all.deb', 'foo', '1:2.0-1', 'all'],
    ['foo_2.0-1_all.deb', 'foo', '2.0-1', 'all'],
    ['libstdc++6_12.2.0-14_arm64.deb', 'libstdc++6', '12.2.0-14', 'arm64'],
  ])('%s', (basename, name, version, architecture) => {
    expect(parseDebFileName(basename)).toEqual({ name, version, architecture });
  });

  test.each([
    'bash_5.2.15-2_amd64.udeb',
    'bash_5.2.15-2_amd64',
    'bash_5.2.15_2_amd64.deb',
    'bash-5.2.15-2-amd64.deb',
    'bash_5.2.15-2%2b7_amd64.deb',
    'bash_1%3a%3a2_amd64.deb',
    'bash_1:2.0_amd64.deb/../x.deb',
    '../bash_5.2_amd64.deb',
    'bash_5.2_any.deb',
    '_5.2_amd64.deb',
  ])('refuses %s', async (basename) => {
    await expectDebError(() => parseDebFileName(basename), 'DEB_FILE_NAME');
  });

  test('a pool name made by debFileName parses back (without the epoch); a cache name keeps it', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,20}$/).filter((n) => !n.includes('..'));
    const version = fc
      .tuple(fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }), fc.stringMatching(/^[0-9][a-z0-9.+~]{0,10}$/), fc.option(fc.stringMatching(/^[a-z0-9+.~]{1,8}$/), { nil: undefined }))
      .map(([epoch, upstream, revision]) => `${epoch === undefined ? '' : `${epoch}:`}${upstream}${revision === undefined ? '' : `-${revision}`}`)
      .filter((v) => !v.includes('..'));
    const architecture = fc.constantFrom('amd64', 'all', 'arm64', 'i386');
    fc.assert(
      fc.property(name, version, architecture, (pkg, ver, arch) => {
        const pool = parseDebFileName(debFileName({ package: pkg, version: ver, architecture: arch }));
        expect(pool).toEqual({ name: pkg, version: ver.replace(/^[0-9]+:/, ''), architecture: arch });
        const cache = parseDebFileName(`${pkg}_${ver.replace(':', '%3a')}_${arch}.deb`);
        expect(cache).toEqual({ name: pkg, version: ver, architecture: arch });
      }),
      { numRuns: 500 },
    );
  });
});
