/**
 * The rewriters checked against apt itself: in a throwaway apt root (APT_CONFIG sets
 * Dir, so the machine's /etc/apt is never read), `apt-get indextargets
 * --no-release-info` prints the URI apt took from each sources entry. apt must read
 * the URIs we think it reads, read our rewritten files as the switched URIs, refuse
 * the lines we refuse, and stay quiet about our backup files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AptConfig } from '../../../src/apt/protocol/config.js';
import { rewriteDeb822 } from '../../../src/sources/deb822.js';
import { sourcesLocations } from '../../../src/sources/locations.js';
import { rewriteOneLine } from '../../../src/sources/one-line.js';
import { DEB822_STANZAS, ONE_LINE_ENCODED_HTTP, ONE_LINE_ENTRIES, ONE_LINE_MALFORMED } from './corpus.js';

const hasApt = spawnSync('apt-get', ['--version']).status === 0;
const lab = mkdtempSync(join(tmpdir(), 'reprogate-sources-oracle-'));
afterAll(() => rmSync(lab, { recursive: true, force: true }));

/** A fresh apt root holding `files` (paths relative to etc/apt/); returns its apt.conf. */
function aptRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(lab, 'root-'));
  for (const dir of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial', 'var/cache/apt', 'var/lib/dpkg']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'etc/apt', name), text, 'latin1');
  const conf = join(root, 'apt.conf');
  writeFileSync(conf, `Dir "${root}/";\nDir::State::status "${root}/var/lib/dpkg/status";\nAPT::Architecture "amd64";\nAPT::Architectures { "amd64"; };\n`);
  return conf;
}

function apt(conf: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('apt-get', args, { env: { ...process.env, APT_CONFIG: conf, LC_ALL: 'C' }, encoding: 'latin1' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `entry -> URIs` as apt read them: the entry is the line (one-line) or stanza (deb822) number. */
function aptUris(files: Record<string, string>, file: string): Map<number, string[]> {
  const run = apt(aptRoot(files), 'indextargets', '--no-release-info', '--format', '$(SOURCESENTRY)\t$(REPO_URI)');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const uris = new Map<number, string[]>();
  for (const line of run.stdout.split('\n').filter((l) => l !== '')) {
    const [entry = '', uri = ''] = line.split('\t');
    const [, name = '', number = ''] = /^(.*):(\d+)$/.exec(entry) ?? [];
    if (!name.endsWith(`/${file}`)) continue;
    const list = uris.get(Number(number)) ?? [];
    if (!list.includes(uri)) list.push(uri);
    uris.set(Number(number), list);
  }
  return uris;
}

describe.skipIf(!hasApt)('what apt itself reads (apt-get indextargets)', () => {
  const oneLine = `${ONE_LINE_ENTRIES.map(([line]) => line).join('\n')}\n`;

  it('one-line: apt takes the URI we take from every corpus entry', () => {
    const read = aptUris({ 'sources.list': oneLine }, 'sources.list');
    expect([...read.entries()]).toEqual(ONE_LINE_ENTRIES.map(([, uri], i) => [i + 1, [uri]]));
  });

  it('one-line: apt reads our enabled file as the switched URIs, and our disabled file as the original', () => {
    const enabled = rewriteOneLine(oneLine, 'enable');
    const read = aptUris({ 'sources.list': enabled.text }, 'sources.list');
    const switched = (uri: string): string => (/^https?:/.test(uri) ? `reprogate+${uri}` : uri);
    expect([...read.entries()]).toEqual(ONE_LINE_ENTRIES.map(([, uri], i) => [i + 1, [switched(uri)]]));

    const disabled = rewriteOneLine(enabled.text, 'disable');
    const back = aptUris({ 'sources.list': disabled.text }, 'sources.list');
    const plain = (uri: string): string => uri.replace(/^reprogate\+/, '');
    expect([...back.entries()]).toEqual(ONE_LINE_ENTRIES.map(([, uri], i) => [i + 1, [plain(uri)]]));
  });

  it.each(ONE_LINE_MALFORMED)('one-line: apt refuses %s as well', (_what, line) => {
    const run = apt(aptRoot({ 'sources.list': `${line}\n` }), 'indextargets', '--no-release-info');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^E: (Malformed entry 1|Type '.*' is not known on line 1|Malformed line 1)/);
    expect(() => rewriteOneLine(line, 'enable')).toThrow(expect.objectContaining({ code: 'SOURCES_SYNTAX' }));
  });

  it.each(ONE_LINE_ENCODED_HTTP)('one-line: apt reads %j as an http(s) URI, which is why we refuse it', (line, uri) => {
    expect([...aptUris({ 'sources.list': `${line}\n` }, 'sources.list').values()]).toEqual([[uri]]);
    expect(() => rewriteOneLine(line, 'enable')).toThrow(expect.objectContaining({ code: 'SOURCES_UNSUPPORTED' }));
  });

  it('deb822: apt takes the URIs we take, skips Enabled: no, and reads our enabled file as the switched URIs', () => {
    const text = `${DEB822_STANZAS.map(([stanza]) => stanza).join('\n\n')}\n`;
    const expected = (map: (uri: string) => string): [number, string[]][] =>
      DEB822_STANZAS.flatMap(([, uris, enabled], i) => (enabled ? [[i + 1, uris.map(map)] as [number, string[]]] : []));
    expect([...aptUris({ 'sources.list.d/x.sources': text }, 'x.sources').entries()]).toEqual(expected((u) => u));

    const enabled = rewriteDeb822(text, 'enable');
    expect(enabled.changes.filter((c) => !c.enabled).map((c) => c.oldUri)).toEqual(['http://h.invalid/']);
    const switched = (uri: string): string => (/^https?:/.test(uri) ? `reprogate+${uri}` : uri);
    expect([...aptUris({ 'sources.list.d/x.sources': enabled.text }, 'x.sources').entries()]).toEqual(expected(switched));
    expect(rewriteDeb822(enabled.text, 'disable').text).toBe(text);
  });

  it('apt never reads our backups (their plain http URIs would be ungated sources) and says nothing about them', () => {
    const run = apt(
      aptRoot({
        'sources.list': 'deb reprogate+http://a.invalid/ s c\n',
        'sources.list.reprogate.bak': 'deb http://a.invalid/ s c\n',
        'sources.list.d/b.list': 'deb reprogate+http://b.invalid/ s c\n',
        'sources.list.d/b.list.reprogate.bak': 'deb http://b.invalid/ s c\n',
        'sources.list.d/c.sources': 'Types: deb\nURIs: reprogate+http://c.invalid/\nSuites: ./\n',
        'sources.list.d/c.sources.reprogate.bak': 'Types: deb\nURIs: http://c.invalid/\nSuites: ./\n',
      }),
      ...['indextargets', '--no-release-info', '--format', '$(REPO_URI)'],
    );
    expect(run.stderr).toBe('');
    expect([...new Set(run.stdout.split('\n').filter((l) => l !== ''))].sort()).toEqual([
      'reprogate+http://a.invalid/',
      'reprogate+http://b.invalid/',
      'reprogate+http://c.invalid/',
    ]);
  });

  it('sourcesLocations resolves Dir::Etc::sourcelist and sourceparts as apt-config does', () => {
    const conf = aptRoot({});
    writeFileSync(conf, 'Dir::Etc "etc/apt-custom";\nDir::Etc::sourceparts "parts.d";\n', { flag: 'a' });
    const root = conf.slice(0, -'apt.conf'.length);
    const env = { ...process.env, APT_CONFIG: conf, LC_ALL: 'C' };
    const shell = spawnSync('apt-config', ['shell', 'LIST', 'Dir::Etc::sourcelist/f', 'PARTS', 'Dir::Etc::sourceparts/d'], { env, encoding: 'utf8' });
    const dump = spawnSync('apt-config', ['dump'], { env, encoding: 'utf8' });
    const items = dump.stdout
      .split('\n')
      .map((line) => /^(\S+) "(.*)";$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!] as [string, string]);
    expect(shell.stdout).toBe(`LIST='${root}etc/apt-custom/sources.list'\nPARTS='${root}etc/apt-custom/parts.d/'\n`);
    expect(sourcesLocations(AptConfig.fromItems(items))).toEqual({
      sourceList: `${root}etc/apt-custom/sources.list`,
      sourceParts: `${root}etc/apt-custom/parts.d/`,
    });
  });
});
