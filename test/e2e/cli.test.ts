/**
 * The CLI end to end, as a user runs it: the bundled `dist/reprogate.js` under Node,
 * a policy on disk, loopback rebuilders serving links made by Debian's `in-toto-run`
 * (sources tree) and rebuilderd-style attestations (rebuilderd v1 API), real .deb
 * files. Accepts and refuses exactly as the policy says, with product.md's exit codes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../support/rebuilder-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTORS = join(ROOT, 'test/vectors/in-toto-run');
const CLI = join(ROOT, 'dist/reprogate.js');

interface Run { code: number; stdout: string; stderr: string }
function reprogate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
  });
}

describe('reprogate CLI against loopback rebuilders', () => {
  let dir: string;
  let notset: RebuilderServer;
  let debian: RebuilderServer;
  let third: RebuilderServer;
  const instance = makeSigner();
  const fooDeb = join(VECTORS, 'artifacts/foo_1.0-1_amd64.deb');
  const fooSha = createHash('sha256').update(readFileSync(fooDeb)).digest('hex');
  let policy: string;
  let unattested: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/reprogate.js is missing: run `npm run build` first (the test script does)');
    dir = mkdtempSync(join(tmpdir(), 'reprogate-cli-'));
    mkdirSync(join(dir, 'keys'));
    copyFileSync(join(VECTORS, 'keys/gpg-rsa-subkey.asc'), join(dir, 'keys/notset.asc'));
    copyFileSync(join(VECTORS, 'keys/ed25519.pub'), join(dir, 'keys/third.pub'));
    writeFileSync(join(dir, 'keys/debian.pem'), instance.rebuilderdPem);

    notset = await startRebuilderServer();
    notset.addSourcesMetadata('foo', '1.0-1', readFileSync(join(VECTORS, 'links/gpg-rsa-subkey.link')));
    third = await startRebuilderServer();
    third.addSourcesMetadata('foo', '1.0-1', readFileSync(join(VECTORS, 'links/ed25519.link')));
    debian = await startRebuilderServer({ basePath: '/amd64/', publicKeys: [instance.rebuilderdPem] });
    debian.addPackage({ name: 'foo', version: '1.0-1', architecture: 'amd64', attestations: [rebuilderdAttestation('foo_1.0-1_amd64.deb', fooSha, instance)] });

    policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'threshold: 2',
        'rebuilders:',
        `  - { name: notset, type: sources, url: "${notset.url}", keys: [keys/notset.asc] }`,
        `  - { name: debian, type: rebuilderd, url: "${debian.url}", keys: [keys/debian.pem] }`,
        `  - { name: third, type: sources, url: "${third.url}", keys: [keys/third.pub] }`,
        '',
      ].join('\n'),
    );
    unattested = (await buildDeb(dir, { name: 'foo', version: '1.0-1', architecture: 'amd64' })).path;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([notset?.close(), debian?.close(), third?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  // Keep the machine's apt configuration and caches out of it.
  const env = () => ({ APT_CONFIG: '/dev/null' });
  const opts = () => ['--policy', policy, '-o', `Reprogate::Cache=${join(dir, 'no-cache')}`, '-o', `Reprogate::Log=${join(dir, 'decisions.jsonl')}`];

  it('accepts a .deb three independent rebuilders attest (in-toto-run GPG and ed25519 links, a rebuilderd attestation)', async () => {
    const r = await reprogate(['verify', ...opts(), fooDeb], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^reprogate: accepted foo 1\.0-1 amd64 \(sha256 [0-9a-f]{4}…[0-9a-f]{2}\): 3 of 2 independent rebuilders agree \[notset: agrees; debian: agrees; third: agrees\]\n$/);
  });

  it('under -o Debug::Reprogate=1 adds its settings and each verdict in detail on stderr; stdout and the exit code stay', async () => {
    const r = await reprogate(['verify', ...opts(), '-o', 'Debug::Reprogate=1', fooDeb], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^reprogate: accepted foo 1\.0-1 amd64 /);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines[0]).toBe(`reprogate: debug: policy ${policy}, cache ${join(dir, 'no-cache')}, decision log ${join(dir, 'decisions.jsonl')}`);
    expect(lines[1]).toMatch(/^reprogate: debug: mode enforce, threshold 2 \(from the policy\), on conflict refuse, rules 0, rebuilders: notset \(sources http:/);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(new RegExp(`^reprogate: debug: ${fooDeb}: ACCEPTED foo 1\\.0-1 amd64 sha256 ${fooSha} in \\d+ ms, rule: the policy's default, \\[notset: agrees \\(signed by .*\\); debian: agrees \\(.*\\); third: agrees \\(.*\\)\\]$`)),
    ]);
  });

  it('refuses a .deb with the same name and version but other bytes: conflict, exit 1', async () => {
    const r = await reprogate(['verify', ...opts(), unattested], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reprogate: refused foo 1.0-1 amd64');
    expect(r.stderr).toContain('notset: conflicts (signed sha256');
  });

  it('writes a JSON report and lets explain read the decision log by sha256 and NAME=VERSION', async () => {
    const r = await reprogate(['verify', '--json', ...opts(), fooDeb, unattested], env());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.accepted).toBe(false);
    expect(report.files.map((f: { verdict: { code: string } }) => f.verdict.code)).toEqual(['ACCEPTED', 'REFUSED_CONFLICT']);
    const bySha = await reprogate(['explain', ...opts(), fooSha], env());
    expect(bySha.code).toBe(0);
    expect(bySha.stdout).toContain('verdict    ACCEPTED');
    expect(bySha.stdout).toContain('notset (operator notset): AGREES');
    const byName = await reprogate(['explain', ...opts(), 'foo=1.0-1'], env());
    expect(byName.stdout).toContain('REFUSED_CONFLICT');
  });

  it('fetches a bundle and verifies offline from it, with the rebuilders gone silent', async () => {
    const out = join(dir, 'bundle');
    const f = await reprogate(['fetch', ...opts(), '--out', out, fooDeb], env());
    expect(f.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['debian', 'notset', 'third']);
    notset.fault(/.*/, { kind: 'status', status: 500 });
    debian.fault(/.*/, { kind: 'status', status: 500 });
    third.fault(/.*/, { kind: 'status', status: 500 });
    try {
      const r = await reprogate(['verify', ...opts(), '--attestations', out, '--offline', fooDeb], env());
      expect(r.code).toBe(0);
      const offline = await reprogate(['verify', ...opts(), '--offline', fooDeb], env());
      expect(offline.code).toBe(1);
      expect(offline.stderr).toContain('missing');
    } finally {
      notset.clearFaults();
      debian.clearFaults();
      third.clearFaults();
    }
  });

  it('refuses when the threshold is not met (one rebuilder down, threshold 3)', async () => {
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, readFileSync(policy, 'utf8').replace('threshold: 2', 'threshold: 3'));
    third.fault(/.*/, { kind: 'status', status: 404 });
    try {
      const r = await reprogate(['verify', '--policy', strict, '-o', `Reprogate::Cache=${join(dir, 'no-cache')}`, fooDeb], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('2 of 3 independent rebuilders agree');
      expect(r.stderr).toContain('third: missing (HTTP 404)');
    } finally {
      third.clearFaults();
    }
  });

  it('exits 2 with the exact problem for a broken policy, and policy check describes a good one', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(policy, 'utf8').replace('threshold: 2', 'treshold: 2'));
    const r = await reprogate(['verify', '--policy', bad, fooDeb], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('treshold');
    const check = await reprogate(['policy', 'check', policy], env());
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('notset');
    const missing = await reprogate(['policy', 'check', join(dir, 'nope.yaml')], env());
    expect(missing.code).toBe(2);
  });

  it.each([
    ['qubes-template.yaml', 'rebuilders[0].keys[0]', 'keys/debian-all.pem'],
    ['debian-rebuilderd.yaml', 'rebuilders[0].keys[0]', 'keys/debian-all.pem'],
    ['legacy-intoto-layout.yaml', 'trust-root.keys[0]', 'keys/layout-owner.pub'],
  ])('policy check of the shipped example %s says exactly which file the admin must supply', async (example, field, file) => {
    const path = join(ROOT, 'policy-examples', example);
    const r = await reprogate(['policy', 'check', path], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^reprogate: ${path}:\\d+: ${field.replace(/[[\]]/g, '\\$&')}: cannot read key file ${join(ROOT, 'policy-examples', file)} \\(ENOENT`));
  });

  it('policy check of the audit-only example loads without keys and warns about each', async () => {
    const r = await reprogate(['policy', 'check', join(ROOT, 'policy-examples/audit-only.yaml')], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Warnings:');
    expect(r.stdout).toContain(join(ROOT, 'policy-examples/keys/evolix.pem'));
  });

  it('exits 2 on usage errors', async () => {
    expect((await reprogate(['verify'], env())).code).toBe(2);
    expect((await reprogate(['frobnicate'], env())).code).toBe(2);
  });
});
