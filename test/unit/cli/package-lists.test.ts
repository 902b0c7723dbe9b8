/**
 * Reading hashes out of apt's package lists as apt stores them: plain, gzip, and
 * through apt-helper for the compressions apt keeps with Acquire::GzipIndexes
 * (xz here: xz-utils is on every Debian system; lz4 and zstd go the same way).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { APT_HELPER, findListedHashes, originOfListFile, packageKey } from '../../../src/cli/package-lists.js';

const dir = mkdtempSync(join(tmpdir(), 'reprogate-lists-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (c: string): string => c.repeat(64);

function entry(name: string, version: string, architecture: string, sha256: string, extra = ''): string {
  return `Package: ${name}\nVersion: ${version}\nArchitecture: ${architecture}\n${extra}Description: ${name}\n a long\n .\n description\nSHA256: ${sha256}\n`;
}

function listsDir(files: Record<string, string | Uint8Array>): string {
  const lists = mkdtempSync(join(dir, 'lists-'));
  mkdirSync(join(lists, 'partial'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(lists, name), content);
  return lists;
}

const xz = (text: string): Buffer | undefined => {
  const run = spawnSync('xz', ['-c'], { input: text });
  return run.status === 0 ? run.stdout : undefined;
};

describe('findListedHashes', () => {
  it('finds the wanted name/version/architecture in plain and gzip lists, with the origin from the list name', async () => {
    const lists = listsDir({
      'deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages': [entry('bash', '5.2.15-2+b7', 'amd64', sha('a')), entry('other', '1', 'amd64', sha('b'))].join('\n'),
      'mirror.example%5fnet:8080_debian_dists_bookworm_main_binary-all_Packages.gz': gzipSync(entry('adduser', '3.134', 'all', sha('C'))),
      // Not Packages lists: never read.
      'deb.example.org_debian_dists_bookworm_InRelease': entry('bash', '5.2.15-2+b7', 'amd64', sha('d')),
      'deb.example.org_debian_dists_bookworm_main_source_Sources': entry('bash', '5.2.15-2+b7', 'amd64', sha('e')),
    });
    writeFileSync(join(lists, 'partial', 'x_Packages'), entry('bash', '5.2.15-2+b7', 'amd64', sha('f')));
    const warnings: string[] = [];
    const wanted = new Set([packageKey('bash', '5.2.15-2+b7', 'amd64'), packageKey('adduser', '3.134', 'all'), packageKey('absent', '1', 'amd64')]);
    const found = await findListedHashes(lists, wanted, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect([...found.keys()].sort()).toEqual([packageKey('adduser', '3.134', 'all'), packageKey('bash', '5.2.15-2+b7', 'amd64')]);
    expect(found.get(packageKey('bash', '5.2.15-2+b7', 'amd64'))).toEqual([
      { sha256: sha('a'), list: join(lists, 'deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages'), origin: 'deb.example.org' },
    ]);
    // Upper-case hex is normalised; the host is unescaped, the port kept (rules compare hosts only).
    expect(found.get(packageKey('adduser', '3.134', 'all'))?.[0]).toMatchObject({ sha256: sha('c'), origin: 'mirror.example_net:8080' });
  });

  it('matches the exact version: an epoch is part of it', async () => {
    const lists = listsDir({ 'h_Packages': [entry('foo', '1:2.0-1', 'amd64', sha('1')), entry('foo', '2.0-1', 'amd64', sha('2'))].join('\n') });
    const found = await findListedHashes(lists, new Set([packageKey('foo', '2.0-1', 'amd64')]), () => undefined);
    expect(found.get(packageKey('foo', '2.0-1', 'amd64'))?.map((h) => h.sha256)).toEqual([sha('2')]);
  });

  it('keeps every listing of a package, so the caller can see when lists disagree', async () => {
    const lists = listsDir({
      'a.example_Packages': entry('foo', '1.0', 'amd64', sha('1')),
      'b.example_Packages': entry('foo', '1.0', 'amd64', sha('2')),
    });
    const found = await findListedHashes(lists, new Set([packageKey('foo', '1.0', 'amd64')]), () => undefined);
    expect(found.get(packageKey('foo', '1.0', 'amd64'))?.map((h) => [h.sha256, h.origin])).toEqual([
      [sha('1'), 'a.example'],
      [sha('2'), 'b.example'],
    ]);
  });

  it('ignores entries without a usable SHA256, and reads a last paragraph without a final newline', async () => {
    const lists = listsDir({ 'h_Packages': `${entry('a', '1', 'amd64', 'not-hex')}\nPackage: b\nVersion: 1\nArchitecture: amd64\nSHA256: ${sha('b')}` });
    const found = await findListedHashes(lists, new Set([packageKey('a', '1', 'amd64'), packageKey('b', '1', 'amd64')]), () => undefined);
    expect([...found.keys()]).toEqual([packageKey('b', '1', 'amd64')]);
  });

  it.skipIf(!existsSync(APT_HELPER) || xz('') === undefined)('reads a list apt kept compressed in another format through apt-helper', async () => {
    const lists = listsDir({ 'h_dists_x_main_binary-amd64_Packages.xz': xz(entry('foo', '1.0', 'amd64', sha('9')))! });
    const warnings: string[] = [];
    const found = await findListedHashes(lists, new Set([packageKey('foo', '1.0', 'amd64')]), (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(found.get(packageKey('foo', '1.0', 'amd64'))?.[0]?.sha256).toBe(sha('9'));
  });

  it('warns about a list it cannot read and goes on with the others', async () => {
    const lists = listsDir({
      // Cut short after its first entry: nothing of it is taken, not even that entry.
      'a_Packages.gz': Buffer.concat([gzipSync([entry('foo', '1.0', 'amd64', sha('1')), entry('z', '1', 'all', randomBytes(60_000).toString('hex'))].join('\n')).subarray(0, 4000), Buffer.from('garbage')]),
      'b_Packages.xz': 'not xz at all',
      'c_Packages': entry('bar', '1.0', 'amd64', sha('2')),
    });
    const warnings: string[] = [];
    const found = await findListedHashes(lists, new Set([packageKey('foo', '1.0', 'amd64'), packageKey('bar', '1.0', 'amd64')]), (m) => warnings.push(m));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`cannot read ${join(lists, 'a_Packages.gz')}`);
    expect(warnings[1]).toContain(`cannot read ${join(lists, 'b_Packages.xz')}`);
    expect([...found.keys()]).toEqual([packageKey('bar', '1.0', 'amd64')]);
  });

  it('warns once when the lists folder cannot be read', async () => {
    const warnings: string[] = [];
    const found = await findListedHashes(join(dir, 'nope'), new Set(['x']), (m) => warnings.push(m));
    expect(found.size).toBe(0);
    expect(warnings).toEqual([expect.stringContaining('every hash is unknown')]);
  });
});

describe('originOfListFile', () => {
  it.each([
    ['deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages', 'deb.debian.org'],
    ['127.0.0.1:8080_dists_x_Packages', '127.0.0.1:8080'],
    ['Deb.Example.ORG_debian_Packages', 'deb.example.org'],
    ['%5b%3a%3a1%5d:80_debian_Packages', '[::1]:80'],
    ['_srv_repo_._Packages', undefined],
    ['bad%zz_Packages', undefined],
  ])('%s -> %s', (name, origin) => {
    expect(originOfListFile(name)).toBe(origin);
  });
});
