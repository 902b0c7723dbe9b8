/**
 * `reprogate status` on a throwaway system (APT_CONFIG): dpkg's status file names
 * what is installed, apt's lists (plain and gzip) give each version's sha256, two
 * loopback rebuilderd instances run by different operators attest some of them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { makeSigner, rebuilderdAttestation } from '../../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../../support/rebuilder-server.js';
import { aptRoot, recordingIo } from './helpers.js';

const GOOD = 'a'.repeat(64);
const HALF = 'b'.repeat(64);
const lab = mkdtempSync(join(tmpdir(), 'reprogate-status-'));
const debianKey = makeSigner();
const otherKey = makeSigner();
let debian: RebuilderServer;
let other: RebuilderServer;

beforeAll(async () => {
  debian = await startRebuilderServer({ basePath: '/amd64/' });
  other = await startRebuilderServer();
  debian.addPackage({ name: 'good', version: '1.0', architecture: 'amd64', attestations: [rebuilderdAttestation('good_1.0_amd64.deb', GOOD, debianKey)] });
  other.addPackage({ name: 'good', version: '1.0', architecture: 'amd64', attestations: [rebuilderdAttestation('good_1.0_amd64.deb', GOOD, otherKey)] });
  debian.addPackage({ name: 'half', version: '1:2.0-1', architecture: 'all', attestations: [rebuilderdAttestation('half_2.0-1_all.deb', HALF, debianKey)] });
});
afterAll(async () => {
  await Promise.all([debian?.close(), other?.close()]);
  rmSync(lab, { recursive: true, force: true });
});

const installed = (name: string, version: string, architecture: string, status = 'install ok installed'): string =>
  `Package: ${name}\nStatus: ${status}\nPriority: optional\nArchitecture: ${architecture}\nVersion: ${version}\nDescription: ${name}\n more text\n`;
const listed = (name: string, version: string, architecture: string, sha256: string): string =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: ${architecture}\nFilename: pool/${name}.deb\nSHA256: ${sha256}\n`;

let root: string;
let policy: string;

function writePolicy(file: string, extra = ''): void {
  writeFileSync(
    file,
    [
      'version: 1',
      'threshold: 2',
      'rebuilders:',
      `  - { name: debian, type: rebuilderd, url: "${debian.url}", keys: [keys/debian.pem] }`,
      `  - { name: other, type: rebuilderd, url: "${other.url}", keys: [keys/other.pem] }`,
      extra,
    ].join('\n'),
  );
}

beforeEach(() => {
  root = mkdtempSync(join(lab, 'root-'));
  policy = join(root, 'policy.yaml');
  mkdirSync(join(root, 'keys'));
  mkdirSync(join(root, 'cache'));
  writeFileSync(join(root, 'keys/debian.pem'), debianKey.rebuilderdPem);
  writeFileSync(join(root, 'keys/other.pem'), otherKey.rebuilderdPem);
  writePolicy(policy);
  vi.stubEnv('APT_CONFIG', aptRoot(root, { 'Reprogate::Policy': policy, 'Reprogate::Cache': join(root, 'cache'), 'Reprogate::Log': join(root, 'log.jsonl') }));
  writeFileSync(
    join(root, 'var/lib/dpkg/status'),
    [
      installed('twice', '3', 'amd64'),
      installed('good', '1.0', 'amd64'),
      installed('local', '0.1', 'amd64'),
      installed('half', '1:2.0-1', 'all', 'hold ok installed'),
      installed('removed', '1.0', 'amd64', 'deinstall ok config-files'),
    ].join('\n'),
  );
  const lists = join(root, 'var/lib/apt/lists');
  writeFileSync(join(lists, 'deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages'), [listed('good', '1.0', 'amd64', GOOD), listed('twice', '3', 'amd64', 'c'.repeat(64))].join('\n'));
  writeFileSync(join(lists, 'deb.example.org_debian_dists_bookworm_main_binary-all_Packages.gz'), gzipSync(listed('half', '1:2.0-1', 'all', HALF)));
  writeFileSync(join(lists, 'other.example_debian_dists_x_main_binary-amd64_Packages'), listed('twice', '3', 'amd64', 'd'.repeat(64)));
  debian.clearLog();
  other.clearLog();
});
afterEach(() => {
  vi.unstubAllEnvs();
  debian.clearFaults();
  other.clearFaults();
});

describe('reprogate status', () => {
  it('reports agreeing operators over the threshold per installed package, unknown where the lists give no single hash (exit 1)', async () => {
    const io = recordingIo();
    expect(await runCli(['status'], io)).toBe(1);
    expect(io.out()).toBe(
      [
        'good 1.0 amd64     2/2  ACCEPTED',
        'half 1:2.0-1 all   1/2  REFUSED_BELOW_THRESHOLD',
        "local 0.1 amd64      ?  unknown: not in apt's package lists",
        "twice 3 amd64        ?  unknown: apt's lists hold 2 different sha256 for this version",
        '',
        "4 installed packages: 2 with a sha256 in apt's lists, 2 unknown",
        '  1 accepted (1 ACCEPTED)',
        '  1 not accepted (1 REFUSED_BELOW_THRESHOLD)',
        '',
      ].join('\n'),
    );
    // Not a terminal: no progress line.
    expect(io.err()).toBe('');
  });

  it('--json: every package with its sha256 or null and its verdict or null, and the totals', async () => {
    const io = recordingIo();
    expect(await runCli(['status', '--json'], io)).toBe(1);
    const report = JSON.parse(io.out());
    expect(report.packages.map((p: { name: string; sha256: string | null; verdict: { code: string; agreeingOperators: string[] } | null }) => [p.name, p.sha256, p.verdict?.code ?? null, p.verdict?.agreeingOperators ?? null])).toEqual([
      ['good', GOOD, 'ACCEPTED', ['debian', 'other']],
      ['half', HALF, 'REFUSED_BELOW_THRESHOLD', ['debian']],
      ['local', null, null, null],
      ['twice', null, null, null],
    ]);
    expect(report.packages[0]).toMatchObject({ name: 'good', version: '1.0', architecture: 'amd64' });
    expect(report.packages[0].verdict.package.origin).toBe('deb.example.org');
    expect(report.packages[3].unknown).toBe("apt's lists hold 2 different sha256 for this version");
    expect(report.summary).toEqual({ installed: 4, unknown: 2, checked: 2, accepted: 1, notAccepted: 1, codes: { ACCEPTED: 1, REFUSED_BELOW_THRESHOLD: 1 }, mode: 'enforce' });
  });

  it('exits 0 when the policy accepts every package with a known hash: an origin rule matches the repository the lists name', async () => {
    const lenient = join(root, 'lenient.yaml');
    writePolicy(lenient, 'rules:\n  - match: { origin: "deb.example.org" }\n    threshold: 1\n');
    const io = recordingIo();
    expect(await runCli(['status', '--policy', lenient], io)).toBe(0);
    expect(io.out()).toContain('half 1:2.0-1 all   1/1  ACCEPTED\n');
  });

  it('in audit mode still reports what enforcing would refuse, and says apt would not refuse it', async () => {
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('threshold: 2', 'mode: audit\nthreshold: 2'));
    const io = recordingIo();
    expect(await runCli(['status'], io)).toBe(1);
    expect(io.out()).toMatch(/ {2}1 not accepted \(1 REFUSED_BELOW_THRESHOLD\)\n {2}the policy is in audit mode: apt warns about these but does not refuse them\n$/);
  });

  it('asks the cache first: a second run sends no request, and --offline answers from the cache with the rebuilders down', async () => {
    expect(await runCli(['status'], recordingIo())).toBe(1);
    const asked = debian.requests.length + other.requests.length;
    expect(asked).toBeGreaterThan(0);
    expect(await runCli(['status'], recordingIo())).toBe(1);
    expect(debian.requests.length + other.requests.length).toBe(asked);

    debian.fault(/.*/, { kind: 'status', status: 500 });
    other.fault(/.*/, { kind: 'status', status: 500 });
    const io = recordingIo();
    expect(await runCli(['status', '--offline', '--json'], io)).toBe(1);
    expect(JSON.parse(io.out()).summary.codes).toEqual({ ACCEPTED: 1, REFUSED_BELOW_THRESHOLD: 1 });
    expect(debian.requests.length + other.requests.length).toBe(asked);
  });

  it('--offline with nothing cached asks no rebuilder and accepts nothing', async () => {
    const io = recordingIo();
    expect(await runCli(['status', '--offline', '--json'], io)).toBe(1);
    expect(JSON.parse(io.out()).summary.codes).toEqual({ REFUSED_BELOW_THRESHOLD: 2 });
    expect(debian.requests.length + other.requests.length).toBe(0);
  });

  it('shows progress on a terminal as one line on stderr that rewrites itself and is cleared at the end', async () => {
    const io = recordingIo({ isTTY: true });
    expect(await runCli(['status'], io)).toBe(1);
    const err = io.err();
    expect(err.startsWith("\rreprogate: reading apt's package lists")).toBe(true);
    expect(err).not.toContain('\n');
    expect(err).toMatch(/\r +\r$/);
  });

  it('exits 2 when the policy does not load or dpkg’s status file cannot be read', async () => {
    writeFileSync(policy, 'version: 1\nthreshold: 2\n');
    const bad = recordingIo();
    expect(await runCli(['status'], bad)).toBe(2);
    expect(bad.err()).toMatch(/rebuilders.*\[POLICY_MISSING\]\n$/);

    writePolicy(policy);
    rmSync(join(root, 'var/lib/dpkg/status'));
    const missing = recordingIo();
    expect(await runCli(['status'], missing)).toBe(2);
    expect(missing.err()).toMatch(/cannot read dpkg's status file .*\[CLI_ENVIRONMENT\]\n$/);
  });
});
