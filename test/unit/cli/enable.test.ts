/**
 * `reprogate enable` / `disable` on a throwaway apt root found through APT_CONFIG:
 * both sources formats are switched and switched back byte for byte, each change
 * is printed with its file and line, and enabling says when apt would fail
 * (methods missing), refuse everything (policy broken) or refuse nothing (audit).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { makeSigner } from '../../support/intoto-sign.js';
import { aptRoot, recordingIo } from './helpers.js';

const lab = mkdtempSync(join(tmpdir(), 'reprogate-enable-'));
afterAll(() => rmSync(lab, { recursive: true, force: true }));

const ONE_LINE = [
  '# the main archive',
  'deb http://deb.example.org/debian bookworm main',
  'deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://security.example.org/debian-security bookworm-security main',
  'deb cdrom:[Debian 12]/ bookworm main',
  '',
].join('\n');
const DEB822 = [
  'Types: deb deb-src',
  'URIs: https://deb.example.org/debian',
  '  http://mirror.example.net/debian',
  'Suites: bookworm',
  'Components: main',
  '',
  'Enabled: no',
  'Types: deb',
  'URIs: file:/srv/repo http://old.example.org/debian',
  'Suites: ./',
  '',
].join('\n');

let root: string;
let sourcesList: string;
let deb822: string;
let methods: string;
let policy: string;

beforeEach(() => {
  root = mkdtempSync(join(lab, 'root-'));
  methods = join(root, 'methods');
  policy = join(root, 'policy.yaml');
  vi.stubEnv('APT_CONFIG', aptRoot(root, { 'Dir::Bin::Methods': methods, 'Reprogate::Policy': policy }));
  sourcesList = join(root, 'etc/apt/sources.list');
  deb822 = join(root, 'etc/apt/sources.list.d/debian.sources');
  writeFileSync(sourcesList, ONE_LINE);
  writeFileSync(deb822, DEB822);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function installMethods(): void {
  mkdirSync(methods, { recursive: true });
  for (const name of ['reprogate+http', 'reprogate+https']) writeFileSync(join(methods, name), '#!/bin/sh\n');
}

function auditPolicy(): void {
  writeFileSync(policy, 'version: 1\nmode: audit\nthreshold: 1\nrebuilders:\n  - { name: a, type: rebuilderd, url: "https://a.example/", keys: [keys/a.pem] }\n');
}

function enforcePolicy(): void {
  mkdirSync(join(root, 'keys'));
  writeFileSync(join(root, 'keys/a.pem'), makeSigner().publicPem);
  writeFileSync(policy, 'version: 1\nmode: enforce\nthreshold: 1\nrebuilders:\n  - { name: a, type: rebuilderd, url: "https://a.example/", keys: [keys/a.pem] }\n');
}

describe('reprogate enable / disable', () => {
  it('--dry-run prints every change, backup and URI left alone, and writes nothing', async () => {
    installMethods();
    enforcePolicy();
    const io = recordingIo();
    expect(await runCli(['enable', '--dry-run'], io)).toBe(0);
    expect(io.out()).toBe(
      [
        `${sourcesList}:2: http://deb.example.org/debian -> reprogate+http://deb.example.org/debian`,
        `${sourcesList}:3: https://security.example.org/debian-security -> reprogate+https://security.example.org/debian-security`,
        `  backup of ${sourcesList} would be written to ${sourcesList}.reprogate.bak`,
        `${deb822}:2: https://deb.example.org/debian -> reprogate+https://deb.example.org/debian`,
        `${deb822}:3: http://mirror.example.net/debian -> reprogate+http://mirror.example.net/debian`,
        `${deb822}:9: http://old.example.org/debian -> reprogate+http://old.example.org/debian (stanza has Enabled: no)`,
        `  backup of ${deb822} would be written to ${deb822}.reprogate.bak`,
        `${sourcesList}:4: left alone: cdrom:[Debian 12]/ (apt fetches cdrom: without reprogate's method; its packages meet only the pre-install hook)`,
        `${deb822}:9: left alone: file:/srv/repo (apt fetches file: without reprogate's method; its packages meet only the pre-install hook, stanza has Enabled: no)`,
        'dry run: would switch 5 URIs in 2 files; nothing was written',
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe('');
    expect(readFileSync(sourcesList, 'utf8')).toBe(ONE_LINE);
    expect(readFileSync(deb822, 'utf8')).toBe(DEB822);
    expect(existsSync(`${sourcesList}.reprogate.bak`)).toBe(false);
  });

  it('switches both formats with a backup, finds nothing left to do the second time, and disable restores every byte', async () => {
    installMethods();
    enforcePolicy();
    const enable = recordingIo();
    expect(await runCli(['enable'], enable)).toBe(0);
    expect(enable.out()).toContain(`  backup of ${sourcesList}: ${sourcesList}.reprogate.bak\n`);
    expect(enable.out()).toMatch(/switched 5 URIs in 2 files\n$/);
    expect(readFileSync(sourcesList, 'utf8')).toBe(ONE_LINE.replace('deb http:', 'deb reprogate+http:').replace('] https:', '] reprogate+https:'));
    expect(readFileSync(deb822, 'utf8')).toContain('URIs: reprogate+https://deb.example.org/debian\n  reprogate+http://mirror.example.net/debian\n');
    expect(readFileSync(`${sourcesList}.reprogate.bak`, 'utf8')).toBe(ONE_LINE);
    expect(readFileSync(`${deb822}.reprogate.bak`, 'utf8')).toBe(DEB822);

    const again = recordingIo();
    expect(await runCli(['enable'], again)).toBe(0);
    expect(again.out()).toMatch(/nothing to change: every http\(s\) source is already reprogate\+http\(s\)\n$/);

    const disable = recordingIo();
    expect(await runCli(['disable'], disable)).toBe(0);
    expect(disable.out()).toContain(`${sourcesList}:2: reprogate+http://deb.example.org/debian -> http://deb.example.org/debian\n`);
    expect(disable.out()).toContain(`  backup of ${sourcesList}: ${sourcesList}.reprogate.bak (kept from an earlier run`);
    expect(disable.err()).toBe('');
    expect(readFileSync(sourcesList, 'utf8')).toBe(ONE_LINE);
    expect(readFileSync(deb822, 'utf8')).toBe(DEB822);
  });

  it('warns when apt has no reprogate methods where Dir::Bin::Methods points, and when the policy does not load', async () => {
    const io = recordingIo();
    expect(await runCli(['enable', '--dry-run'], io)).toBe(0);
    expect(io.err()).toContain(`reprogate: warning: apt has no reprogate+http or reprogate+https method in ${methods}/`);
    expect(io.err()).toContain('reprogate: warning: the policy does not load, so apt will refuse every package');
    expect(io.err()).toContain(policy);
  });

  it('reminds that an audit policy refuses nothing; an enforcing one gets no note', async () => {
    installMethods();
    auditPolicy();
    const audit = recordingIo();
    expect(await runCli(['enable', '--dry-run'], audit)).toBe(0);
    expect(audit.err()).toBe(`reprogate: note: the policy ${policy} is in audit mode: packages are checked and logged (and warned about), but nothing is refused until it says "mode: enforce"\n`);
    const disable = recordingIo();
    expect(await runCli(['disable', '--dry-run'], disable)).toBe(0);
    expect(disable.err()).toBe('');
  });

  it('refuses a sources file apt would refuse, with its code, and leaves every file as it was (exit 2)', async () => {
    installMethods();
    enforcePolicy();
    writeFileSync(join(root, 'etc/apt/sources.list.d/zz-broken.list'), 'deb http://x.example/debian\n');
    const io = recordingIo();
    expect(await runCli(['enable'], io)).toBe(2);
    expect(io.err()).toMatch(/zz-broken\.list:1: apt would refuse this entry .*\[SOURCES_SYNTAX\]\n$/);
    expect(readFileSync(sourcesList, 'utf8')).toBe(ONE_LINE);
    expect(existsSync(`${sourcesList}.reprogate.bak`)).toBe(false);
  });

  it('says so when apt has no sources files at all', async () => {
    rmSync(sourcesList);
    rmSync(deb822);
    const io = recordingIo();
    expect(await runCli(['disable'], io)).toBe(0);
    expect(io.out()).toBe(`no sources files in ${sourcesList} and ${join(root, 'etc/apt/sources.list.d/')}\nnothing to change: every http(s) source is already plain http(s)\n`);
  });
});
