/**
 * The admin commands end to end, as a user runs them: the bundled
 * `dist/reprogate.js` under Node with a throwaway APT_CONFIG, so apt's own
 * `apt-config` decides where the sources, dpkg's status file and the package
 * lists are. `enable`/`disable` are checked against what the real apt-get then
 * reads; `status` and `policy add-rebuilder` talk to loopback rebuilderd
 * instances.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../support/rebuilder-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/reprogate.js');
const hasApt = spawnSync('apt-get', ['--version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;

interface Run { code: number; stdout: string; stderr: string }
function reprogate(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
  });
}

/** A root apt reads instead of the machine: `Dir` points there, so do sources, lists and dpkg's status. */
function aptRoot(root: string, items: Record<string, string>): string {
  for (const dir of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial', 'var/cache/apt', 'var/lib/dpkg']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  const conf = join(root, 'apt.conf');
  const lines = [`Dir "${root}/";`, `Dir::State::status "${root}/var/lib/dpkg/status";`, 'APT::Architecture "amd64";', 'APT::Architectures { "amd64"; };'];
  writeFileSync(conf, [...lines, ...Object.entries(items).map(([k, v]) => `${k} "${v}";`)].join('\n') + '\n');
  return conf;
}

describe('reprogate enable, disable, status and policy add-rebuilder', () => {
  let lab: string;
  let debian: RebuilderServer;
  const instance = makeSigner();

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/reprogate.js is missing: run `npm run build` first');
    lab = mkdtempSync(join(tmpdir(), 'reprogate-cli-admin-'));
    debian = await startRebuilderServer({ basePath: '/amd64/', publicKeys: [instance.rebuilderdPem] });
  });
  afterAll(async () => {
    await debian?.close();
    rmSync(lab, { recursive: true, force: true });
  });

  it.skipIf(!hasApt)('enable switches both sources formats so that apt itself reads reprogate+http(s); disable puts every byte back', async () => {
    const root = join(lab, 'sources');
    const conf = aptRoot(root, {});
    const oneLine = 'deb [trusted=yes] http://deb.example.org/debian bookworm main\n# deb http://commented.example/ x y\n';
    const deb822 = 'Types: deb\nURIs: https://mirror.example.net/debian\nSuites: bookworm\nComponents: main\nTrusted: yes\n';
    writeFileSync(join(root, 'etc/apt/sources.list'), oneLine);
    writeFileSync(join(root, 'etc/apt/sources.list.d/mirror.sources'), deb822);
    const env = { APT_CONFIG: conf };
    const aptUris = (): string[] => {
      const run = spawnSync('apt-get', ['indextargets', '--no-release-info', '--format', '$(REPO_URI)'], { env: { PATH: process.env['PATH'] ?? '', APT_CONFIG: conf, LC_ALL: 'C' }, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return [...new Set(run.stdout.split('\n').filter((l) => l !== ''))].sort();
    };
    expect(aptUris()).toEqual(['http://deb.example.org/debian/', 'https://mirror.example.net/debian/']);

    const dry = await reprogate(['enable', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${join(root, 'etc/apt/sources.list')}:1: http://deb.example.org/debian -> reprogate+http://deb.example.org/debian\n`);
    expect(dry.stdout).toContain('dry run: would switch 2 URIs in 2 files; nothing was written\n');
    expect(aptUris()).toEqual(['http://deb.example.org/debian/', 'https://mirror.example.net/debian/']);

    const enable = await reprogate(['enable'], env);
    expect(enable.code).toBe(0);
    expect(enable.stdout).toContain(`backup of ${join(root, 'etc/apt/sources.list.d/mirror.sources')}: ${join(root, 'etc/apt/sources.list.d/mirror.sources.reprogate.bak')}\n`);
    // No methods under Dir::Bin::Methods of this root, and no policy: both said, neither fatal.
    expect(enable.stderr).toContain('apt has no reprogate+http or reprogate+https method in');
    expect(enable.stderr).toContain('the policy does not load');
    expect(aptUris()).toEqual(['reprogate+http://deb.example.org/debian/', 'reprogate+https://mirror.example.net/debian/']);

    const disable = await reprogate(['disable'], env);
    expect(disable.code).toBe(0);
    expect(readFileSync(join(root, 'etc/apt/sources.list'), 'utf8')).toBe(oneLine);
    expect(readFileSync(join(root, 'etc/apt/sources.list.d/mirror.sources'), 'utf8')).toBe(deb822);
  });

  it('status reports each installed package from dpkg and apt’s lists, in text and JSON, with the exit code the policy gives', async () => {
    const root = join(lab, 'status');
    const sha = 'e'.repeat(64);
    debian.addPackage({ name: 'bash', version: '5.2.15-2+b7', architecture: 'amd64', attestations: [rebuilderdAttestation('bash_5.2.15-2+b7_amd64.deb', sha, instance)] });
    const policy = join(root, 'policy.yaml');
    const conf = aptRoot(root, { 'Reprogate::Policy': policy, 'Reprogate::Cache': join(root, 'cache'), 'Reprogate::Log': join(root, 'log.jsonl') });
    mkdirSync(join(root, 'keys'));
    // The package creates the cache folder; run as root, reprogate never does.
    mkdirSync(join(root, 'cache'));
    writeFileSync(join(root, 'keys/debian.pem'), instance.rebuilderdPem);
    writeFileSync(policy, `version: 1\nthreshold: 1\nrebuilders:\n  - { name: debian, type: rebuilderd, url: "${debian.url}", keys: [keys/debian.pem] }\n`);
    writeFileSync(
      join(root, 'var/lib/dpkg/status'),
      'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nSource: bash (5.2.15-2)\nVersion: 5.2.15-2+b7\n\nPackage: mine\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n',
    );
    writeFileSync(
      join(root, 'var/lib/apt/lists/deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages'),
      `Package: bash\nVersion: 5.2.15-2+b7\nArchitecture: amd64\nSHA256: ${sha}\n`,
    );
    const env = { APT_CONFIG: conf };

    const text = await reprogate(['status'], env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('bash 5.2.15-2+b7 amd64   1/1  ACCEPTED\n');
    expect(text.stdout).toContain("mine 1 all                 ?  unknown: not in apt's package lists\n");

    // Offline, from what the first run cached.
    const json = await reprogate(['status', '--json', '--offline'], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.packages.map((p: { name: string; sha256: string | null; verdict: { code: string } | null }) => [p.name, p.sha256, p.verdict?.code ?? null])).toEqual([
      ['bash', sha, 'ACCEPTED'],
      ['mine', null, null],
    ]);
    expect(report.summary).toMatchObject({ installed: 2, unknown: 1, accepted: 1, notAccepted: 0 });

    // A second operator that has never been asked: short of a threshold of 2, exit 1.
    writeFileSync(join(root, 'keys/other.pem'), makeSigner().rebuilderdPem);
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('threshold: 1', 'threshold: 2') + '  - { name: other, type: rebuilderd, url: "http://127.0.0.1:9/", keys: [keys/other.pem] }\n');
    const short = await reprogate(['status', '--offline'], env);
    expect(short.code).toBe(1);
    expect(short.stdout).toContain('bash 5.2.15-2+b7 amd64   1/2  REFUSED_BELOW_THRESHOLD\n');

    writeFileSync(policy, 'version: 1\nthreshold: 1\n');
    const broken = await reprogate(['status'], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('[POLICY_MISSING]');
  });

  it('policy add-rebuilder refuses to pin without a terminal or --yes, and with --yes pins the key so that policy check shows it', async () => {
    const dir = join(lab, 'policy');
    mkdirSync(dir);
    const policy = join(dir, 'policy.yaml');
    const original = '# shipped\nversion: 1\nmode: audit\nthreshold: 1\nrebuilders:\n  - name: debian\n    type: rebuilderd\n    url: https://rebuilder.example/all/\n    keys: [keys/debian.pem]\n';
    writeFileSync(policy, original);
    const env = { APT_CONFIG: '/dev/null' };

    const unconfirmed = await reprogate(['policy', 'add-rebuilder', 'debian-amd64', debian.url, '--policy', policy], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toContain('ed25519');
    expect(unconfirmed.stderr).toContain('refusing to pin without confirmation');
    expect(readFileSync(policy, 'utf8')).toBe(original);

    const pinned = await reprogate(['policy', 'add-rebuilder', 'debian-amd64', debian.url, '--operator', 'debian', '--yes', '--policy', policy], env);
    expect(pinned.stderr).toBe('');
    expect(pinned.code).toBe(0);
    expect(readFileSync(join(dir, 'keys/debian-amd64.pem'), 'utf8')).toBe(instance.rebuilderdPem);
    expect(readFileSync(policy, 'utf8')).toBe(`${original}  - name: debian-amd64\n    operator: debian\n    type: rebuilderd\n    url: ${debian.url}\n    keys: [keys/debian-amd64.pem]\n`);

    const check = await reprogate(['policy', 'check', policy], env);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`debian-amd64  rebuilderd  ${debian.url}\n      ed25519 `);

    // Pinning again is a no-op; the same name for another instance is refused.
    const pinnedPolicy = readFileSync(policy, 'utf8');
    const again = await reprogate(['policy', 'add-rebuilder', 'debian-amd64', debian.url, '--yes', '--policy', policy], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`kept (same key) ${join(dir, 'keys/debian-amd64.pem')}`);
    expect(readFileSync(policy, 'utf8')).toBe(pinnedPolicy);
    const other = await reprogate(['policy', 'add-rebuilder', 'debian-amd64', 'https://elsewhere.example/', '--yes', '--policy', policy], env);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('[POLICY_EDIT_NAME_TAKEN]');
  });

  it.skipIf(!hasScript)('policy add-rebuilder on a terminal asks, and pins on the "y" typed on standard input', async () => {
    const dir = join(lab, 'terminal');
    mkdirSync(dir);
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nmode: audit\nthreshold: 1\nrebuilders:\n  - { name: debian, type: rebuilderd, url: "https://rebuilder.example/all/", keys: [keys/debian.pem] }\n');
    const command = [process.execPath, CLI, 'policy', 'add-rebuilder', 'evolix', debian.url, '--policy', policy].map((a) => `'${a}'`).join(' ');
    // script(1) runs the command on a pseudo-terminal and types our standard input into it.
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env['PATH'] ?? '', APT_CONFIG: '/dev/null', TERM: 'dumb' } });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.once('close', (code) => resolve({ code, output }));
      child.stdin.end('y\n');
    });
    expect(run.output).toContain('Pin this key for evolix? [y/N] ');
    expect(run.output).toContain(`added evolix to ${policy}`);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'keys/evolix.pem'), 'utf8')).toBe(instance.rebuilderdPem);
  });
});
