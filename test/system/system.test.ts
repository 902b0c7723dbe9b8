/**
 * The system test: reprogate as a Debian user meets it, on Debian's own Node 18.
 *
 * 1. Template builds, by the book: the `# step:` blocks of docs/template-builds.md
 *    run as printed against this machine's Debian mirror. debootstrap downloads a
 *    minimal bookworm base set without installing it, `reprogate verify` (from the
 *    freshly built .deb) checks every one of its ~90 real Debian .debs against two
 *    loopback rebuilders that sign rebuilderd-style attestations in-process, and
 *    debootstrap installs the root from exactly the verified files. One .deb short
 *    of the threshold fails the build with exit 1 and a JSON report naming it.
 * 2. That root, with /proc mounted, gets Debian's `nodejs` and the freshly built
 *    reprogate package (`dpkg -i`), a policy in enforce mode, and a signed loopback
 *    repository behind `reprogate+http`. Real `apt-get install` inside it accepts an
 *    attested package (also one whose only attestation is a link Debian's in-toto-run
 *    signed with an OpenPGP EdDSA key: openpgp.js on Node 18), quietly; refuses an
 *    unattested one in the method (one line says why); and the hook refuses a
 *    same-size .deb with other bytes planted in the cache.
 *
 * The root shares the host's network namespace: the loopback servers on 127.0.0.1
 * are reachable from inside. The mirror comes from the machine's own apt sources
 * (machine-mirror.ts), never from this file; the .deb is built in a copy of the
 * tree by scripts/build-deb.sh, with npm offline against the cache the project's
 * own `npm ci` filled.
 *
 * Needs root, the mirror, and debootstrap, debian-archive-keyring, dpkg-dev,
 * debhelper, help2man and gnupg; skipped, saying why, without root, debootstrap or
 * dpkg-buildpackage. Everything lives in one folder under /var/tmp, removed at the
 * end only when nothing is mounted in it (REPROGATE_SYSTEM_KEEP=1 keeps it). Prints
 * how long each step took.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Verdict } from '../../src/verify/index.js';
import {
  buildDebs,
  buildRepository,
  createLab,
  createSigningKey,
  hashFile,
  runChecked,
  runCommand,
  sameSizeOtherBytes,
  sealedEnv,
  serveStatic,
  versionWithoutEpoch,
  type BuiltDeb,
  type CommandResult,
  type DebArchitecture,
  type Lab,
  type StaticServer,
} from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../support/intoto-sign.js';
import { startRebuilderServer } from '../support/rebuilder-server.js';
import { APT_CONF_WITHOUT_PTY, inRoot, inRootChecked, mountProc, removeSafely, unmountAll } from './chroot.js';
import { documentedSteps, runStep } from './documented-steps.js';
import { machineMirror } from './machine-mirror.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const GUIDE = path.join(REPO, 'docs/template-builds.md');
/** Links, keys and a .deb made by Debian's in-toto-run and gpg; found through its index.json. */
const VECTORS = path.join(REPO, 'test/vectors/in-toto-run');
const SUITE = 'bookworm';
const SETUP_TIMEOUT = 600_000;
const STEP_TIMEOUT = 300_000;
const INSTALLED = 'install ok installed';
/** Keep the scratch folder (root, tarball, reports) for a post-mortem; /proc is unmounted all the same. */
const KEEP = process.env['REPROGATE_SYSTEM_KEEP'] === '1';

const installed = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined;
// Only these skip; the other build tools fail the build loudly, so CI cannot skip this by accident.
const MISSING_TOOLS = ['debootstrap', 'dpkg-buildpackage'].filter((tool) => !installed(tool));
const SKIP_REASON =
  process.getuid?.() !== 0
    ? 'needs root (debootstrap, chroot, mount)'
    : MISSING_TOOLS.length > 0
      ? `${MISSING_TOOLS.join(', ')} not installed; apt-get install debootstrap debian-archive-keyring dpkg-dev debhelper help2man gnupg`
      : undefined;
const title = (what: string): string => (SKIP_REASON === undefined ? what : `${what} (SKIPPED: ${SKIP_REASON})`);

const timings: Array<{ step: string; ms: number }> = [];
async function timed<T>(step: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    timings.push({ step, ms: Math.round(performance.now() - started) });
  }
}

function scriptOf(steps: ReadonlyMap<string, string>, name: string): string {
  const script = steps.get(name);
  if (script === undefined) throw new Error(`docs/template-builds.md has no \`# step: ${name}\` block (it has: ${[...steps.keys()].join(', ')})`);
  return script;
}

function failure(what: string, result: CommandResult): Error {
  return new Error(`${what} exited with ${result.code ?? result.signal}:\n${`${result.stdout}\n${result.stderr}`.trim().slice(-4000)}`);
}

/** What a rebuilder attests to: a package and the sha256 of the .deb it rebuilt. */
interface Rebuilt {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly sha256: string;
}

/**
 * Two independent operators: `alpha` serves the rebuilderd v1 API and signs the way
 * rebuilderd does (ed25519, a NULL-parameter PEM key); `beta` serves a
 * package-rebuilder sources tree of v0.9 links signed with a securesystemslib key.
 */
interface Rebuilders {
  readonly keys: { readonly 'alpha.pem': string; readonly 'beta.pub': string };
  attest(by: 'alpha' | 'beta', deb: Rebuilt): void;
  /** The policy's rebuilders, key paths relative to the policy file. */
  readonly policyRebuilders: string;
}

async function startRebuilders(lab: Lab): Promise<Rebuilders> {
  const alphaKey = makeSigner();
  const betaKey = makeSigner();
  const alpha = await startRebuilderServer({ publicKeys: [alphaKey.rebuilderdPem] });
  lab.defer(() => alpha.close());
  const beta = await startRebuilderServer();
  lab.defer(() => beta.close());
  return {
    keys: { 'alpha.pem': alphaKey.rebuilderdPem, 'beta.pub': betaKey.sslibJson },
    attest(by, { name, version, architecture, sha256 }) {
      const file = `${name}_${versionWithoutEpoch(version)}_${architecture}.deb`;
      if (by === 'alpha') {
        alpha.addPackage({ name, version, architecture, attestations: [rebuilderdAttestation(file, sha256, alphaKey)] });
      } else {
        beta.addSourcesMetadata(name, version, signMetablock(linkBody({ name: 'rebuild', products: { [file]: sha256 } }), [betaKey]));
      }
    },
    policyRebuilders: [
      'rebuilders:',
      `  - { name: alpha, type: rebuilderd, url: "${alpha.url}", keys: [keys/alpha.pem] }`,
      `  - { name: beta, operator: beta-org, type: sources, url: "${beta.url}", keys: [keys/beta.pub] }`,
    ].join('\n'),
  };
}

/** Another rebuilder for one policy: its key file, its `rebuilders:` item and its `rules:` items. */
interface ExtraRebuilder {
  readonly keyFile: string;
  readonly key: string;
  readonly rebuilder: string;
  readonly rules: readonly string[];
}

/** An enforcing policy, threshold 2, with its key files in `<dir>/keys/` (readable by _apt). */
async function writePolicy(dir: string, rebuilders: Rebuilders, extra?: ExtraRebuilder): Promise<string> {
  await mkdir(path.join(dir, 'keys'), { recursive: true, mode: 0o755 });
  const keys = { ...rebuilders.keys, ...(extra === undefined ? {} : { [extra.keyFile]: extra.key }) };
  for (const [name, key] of Object.entries(keys)) await writeFile(path.join(dir, 'keys', name), key, { mode: 0o644 });
  const lines = ['version: 1', 'mode: enforce', 'threshold: 2', 'on-conflict: refuse', rebuilders.policyRebuilders];
  if (extra !== undefined) lines.push(extra.rebuilder, 'rules:', ...extra.rules);
  const policy = path.join(dir, 'policy.yaml');
  await writeFile(policy, [...lines, ''].join('\n'), { mode: 0o644 });
  return policy;
}

/** A .deb made elsewhere, copied into `dir` and described the way aptlab describes the ones it builds. */
async function describeDeb(dir: string, source: string): Promise<BuiltDeb> {
  await mkdir(dir, { recursive: true });
  const at = path.join(dir, path.basename(source));
  await copyFile(source, at);
  const control: Array<readonly [string, string]> = [];
  for (const line of (await runChecked('dpkg-deb', ['--field', at], { env: sealedEnv(dir) })).stdout.split('\n')) {
    const last = control.at(-1);
    if (/^\s/.test(line) && last !== undefined) control[control.length - 1] = [last[0], `${last[1]}\n${line}`];
    else if (line !== '') control.push([line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
  }
  const field = (name: string): string => control.find(([k]) => k === name)?.[1] ?? '';
  const spec = { name: field('Package'), version: field('Version'), architecture: field('Architecture') as DebArchitecture };
  return { spec, path: at, fileName: path.basename(at), ...(await hashFile(at)), control, source: { name: spec.name, version: spec.version } };
}

interface Shared {
  /** The scratch folder under /var/tmp (0755: apt's sandbox must reach the lab in it). */
  readonly work: string;
  readonly lab: Lab;
  readonly rebuilders: Rebuilders;
  readonly deb: string;
  readonly version: string;
  /** The documented steps, by name. */
  readonly steps: ReadonlyMap<string, string>;
  /**
   * The documented steps' environment: the page's variables, and the built package's
   * reprogate first on PATH; `aptConfig` keeps its cache and log off the host's /var.
   */
  readonly stepEnv: (aptConfig?: string) => Record<string, string>;
}

let shared: Shared | undefined;
const the = (): Shared => {
  if (shared === undefined) throw new Error('the system test setup did not complete');
  return shared;
};
const buildDir = (): string => path.join(the().work, 'build');
const rootDir = (): string => path.join(buildDir(), 'root');

/** scripts/build-deb.sh: dpkg-buildpackage in a copy of the tree, npm offline. */
async function buildPackage(work: string): Promise<{ deb: string; version: string }> {
  const tmp = path.join(work, 'tmp');
  const env = sealedEnv(tmp, {
    npm_config_cache: process.env['npm_config_cache'] ?? path.join(homedir(), '.npm'),
    npm_config_offline: 'true',
  });
  const result = await runCommand('sh', [path.join(REPO, 'scripts/build-deb.sh'), path.join(work, 'package')], { env, cwd: tmp, timeoutMs: STEP_TIMEOUT });
  if (result.code !== 0) throw failure('scripts/build-deb.sh', result);
  const deb = result.stdout.trim().split('\n').at(-1) ?? '';
  const version = (await runChecked('dpkg-deb', ['--field', deb, 'Version'], { env })).stdout.trim();
  // The build host's reprogate for the documented steps: the package's files, run by this machine's node.
  await runChecked('dpkg-deb', ['--extract', deb, path.join(work, 'host')], { env });
  return { deb, version };
}

beforeAll(async () => {
  if (SKIP_REASON !== undefined) return;
  const work = await mkdtemp('/var/tmp/reprogate-system-');
  await chmod(work, 0o755);
  let lab: Lab | undefined;
  try {
    await mkdir(path.join(work, 'tmp'), { mode: 0o700 });
    await mkdir(path.join(work, 'build'), { mode: 0o755 });
    lab = await createLab({ parent: work });
    const steps = await documentedSteps(GUIDE);
    const mirror = await machineMirror(SUITE);
    const hostPath = `${path.join(work, 'host/usr/bin')}:${sealedEnv(work).PATH}`;
    const stepEnv = (aptConfig?: string): Record<string, string> =>
      sealedEnv(path.join(work, 'tmp'), {
        PATH: hostPath,
        MIRROR: mirror,
        SUITE,
        BUILD: path.join(work, 'build'),
        POLICY: path.join(work, 'policy/policy.yaml'),
        ...(aptConfig === undefined ? {} : { APT_CONFIG: aptConfig }),
      });

    // The two slow parts at once; wait for both before failing, so nothing still runs during cleanup.
    const [built, downloaded] = await Promise.allSettled([
      timed('dpkg-buildpackage (scripts/build-deb.sh)', () => buildPackage(work)),
      timed('step download: debootstrap --make-tarball', () =>
        runStep(scriptOf(steps, 'download'), { env: stepEnv(), cwd: work, timeoutMs: STEP_TIMEOUT })),
    ]);
    if (built.status === 'rejected') throw built.reason;
    if (downloaded.status === 'rejected') throw downloaded.reason;
    if (downloaded.value.code !== 0) throw failure('the download step of docs/template-builds.md', downloaded.value);

    const rebuilders = await startRebuilders(lab);
    await writePolicy(path.join(work, 'policy'), rebuilders);
    shared = { work, lab, rebuilders, deb: built.value.deb, version: built.value.version, steps, stepEnv };
  } catch (e) {
    // Clean up what was made, but report the setup failure, not a cleanup one.
    await lab?.close().catch(() => undefined);
    await removeSafely(work).catch((cleanup: unknown) => console.error(`system test cleanup: ${String(cleanup)}`));
    throw e;
  }
}, SETUP_TIMEOUT);

afterAll(async () => {
  if (shared !== undefined) {
    try {
      await shared.lab.close();
    } finally {
      if (KEEP) {
        await unmountAll(shared.work);
        console.log(`system test: kept ${shared.work} (REPROGATE_SYSTEM_KEEP); nothing is mounted in it`);
      } else {
        await removeSafely(shared.work);
      }
    }
  }
  if (timings.length > 0) console.log(`system test timings:\n${timings.map(({ step, ms }) => `${String(ms).padStart(8)} ms  ${step}`).join('\n')}`);
}, 120_000);

/** The ~90 .debs of the base set as step 2 sees them, identified by dpkg-deb itself. */
async function baseSet(): Promise<Array<Rebuilt & { readonly file: string }>> {
  const archives = path.join(the().work, 'debs-as-downloaded');
  await rm(archives, { recursive: true, force: true });
  await mkdir(archives);
  await runChecked('tar', ['-xzf', path.join(buildDir(), 'base.tgz'), '-C', archives, 'var/cache/apt/archives'], { env: sealedEnv(the().work) });
  const dir = path.join(archives, 'var/cache/apt/archives');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.deb')).sort();
  return Promise.all(
    files.map(async (file) => {
      const at = path.join(dir, file);
      const fields = await runChecked('dpkg-deb', ['--show', '--showformat', '${Package}\t${Version}\t${Architecture}', at], { env: sealedEnv(the().work) });
      const [name = '', version = '', architecture = ''] = fields.stdout.split('\t');
      return { name, version, architecture, sha256: (await hashFile(at)).sha256, file };
    }),
  );
}

/** The parts of test/vectors/in-toto-run/index.json used here. */
interface VectorIndex {
  readonly artifacts: Readonly<Record<string, { readonly file: string }>>;
  readonly keys: Readonly<Record<string, { readonly cert?: string; readonly link: string }>>;
}

interface Report {
  readonly accepted: boolean;
  readonly files: ReadonlyArray<{ readonly file: string; readonly verdict: Verdict }>;
}

/** Step 2 afresh: its folder and report gone, a new attestation cache (so nothing is remembered between runs). */
async function verifyStep(run: string): Promise<{ result: CommandResult; report: Report }> {
  await rm(path.join(buildDir(), 'check'), { recursive: true, force: true });
  await rm(path.join(buildDir(), 'verify.json'), { force: true });
  const state = path.join(the().work, 'state', run);
  await mkdir(state, { recursive: true });
  const aptConfig = path.join(state, 'apt.conf');
  await writeFile(aptConfig, `Reprogate::Cache "${state}/cache";\nReprogate::Log "${state}/decisions.jsonl";\n`);
  const result = await timed(`step verify (${run})`, () =>
    runStep(scriptOf(the().steps, 'verify'), { env: the().stepEnv(aptConfig), cwd: the().work, timeoutMs: STEP_TIMEOUT }));
  const report = JSON.parse(await readFile(path.join(buildDir(), 'verify.json'), 'utf8')) as Report;
  return { result, report };
}

/** Step 3, once: the root every later test runs in. */
let rootInstalled: Promise<CommandResult> | undefined;
const installStep = (): Promise<CommandResult> =>
  (rootInstalled ??= timed('step install: debootstrap --unpack-tarball', () =>
    runStep(scriptOf(the().steps, 'install'), { env: the().stepEnv(), cwd: the().work, timeoutMs: STEP_TIMEOUT })));

describe.skipIf(SKIP_REASON !== undefined)(title('template builds: the steps of docs/template-builds.md'), () => {
  let debs: Array<Rebuilt & { readonly file: string }> = [];
  /** Left unattested by beta: one with an epoch, whose archive name escapes the colon. */
  let short: Rebuilt & { readonly file: string };

  beforeAll(async () => {
    debs = await baseSet();
    short = debs.find((d) => d.version.includes(':')) ?? debs[0]!;
    for (const deb of debs) {
      the().rebuilders.attest('alpha', deb);
      if (deb !== short) the().rebuilders.attest('beta', deb);
    }
  }, STEP_TIMEOUT);

  it('the guide has three steps: download, verify, install', () => {
    expect([...the().steps.keys()]).toEqual(['download', 'verify', 'install']);
    expect(debs.length).toBeGreaterThan(50);
  });

  it('fails the build when one .deb is short of the threshold: exit 1, the JSON report names exactly that file', async () => {
    const { result, report } = await verifyStep('one-short');
    expect(result.code, result.stderr).toBe(1);
    expect(report.accepted).toBe(false);
    expect(report.files.map((f) => path.basename(f.file))).toEqual(debs.map((d) => d.file));

    const refused = report.files.filter((f) => !f.verdict.accepted);
    expect(refused.map((f) => path.basename(f.file))).toEqual([short.file]);
    const verdict = refused[0]!.verdict;
    expect(verdict).toMatchObject({
      code: 'REFUSED_BELOW_THRESHOLD',
      enforced: true,
      threshold: 2,
      agreeingOperators: ['alpha'],
      package: { name: short.name, version: short.version, architecture: short.architecture, sha256: short.sha256 },
    });
    expect(verdict.rebuilders.map((r) => [r.rebuilder, r.status])).toEqual([['alpha', 'agrees'], ['beta', 'missing']]);
    for (const { verdict: other } of report.files.filter((f) => f.verdict.accepted)) {
      expect(other).toMatchObject({ code: 'ACCEPTED', agreeingOperators: ['alpha', 'beta-org'] });
    }
  }, STEP_TIMEOUT);

  it('passes when every .deb is attested (exit 0), and the install step puts exactly the verified files into the root', async () => {
    the().rebuilders.attest('beta', short);
    const { result, report } = await verifyStep('all-attested');
    expect(result.code, result.stderr).toBe(0);
    expect(report.accepted).toBe(true);
    expect(report.files.filter((f) => f.verdict.code !== 'ACCEPTED')).toEqual([]);
    expect(report.files).toHaveLength(debs.length);

    const install = await installStep();
    if (install.code !== 0) throw failure('the install step of docs/template-builds.md', install);
    // dpkg's own record of the root: every package verified, and nothing else.
    const listed = await runChecked('dpkg-query', [`--admindir=${path.join(rootDir(), 'var/lib/dpkg')}`, '--show', '--showformat', '${Package} ${Version} ${Architecture}\n'], { env: sealedEnv(the().work) });
    const verified = report.files.map((f) => `${f.verdict.package.name} ${f.verdict.package.version} ${f.verdict.package.architecture}`);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(verified.sort());
    // The files it installed from (kept in its cache) are the bytes that were verified.
    const cache = path.join(rootDir(), 'var/cache/apt/archives');
    const cached = await Promise.all((await readdir(cache)).filter((f) => f.endsWith('.deb')).map(async (f) => (await hashFile(path.join(cache, f))).sha256));
    expect(cached.sort()).toEqual(report.files.map((f) => f.verdict.package.sha256).sort());
  }, STEP_TIMEOUT);
});

/** The decisions reprogate logged inside the root (method and hook both append). */
async function decisionsInRoot(): Promise<Verdict[]> {
  const text = await readFile(path.join(rootDir(), 'var/log/reprogate/decisions.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Verdict);
}

async function dpkgStatus(name: string): Promise<string | undefined> {
  const r = await inRoot(rootDir(), ['dpkg-query', '--show', '--showformat', '${Status}', name]);
  return r.code === 0 ? r.stdout : undefined;
}

/** stderr of a successful apt run: nothing but debconf's note that apt-utils (and so preconfiguration) is absent. */
const unexpectedStderr = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l !== '' && !l.startsWith('debconf: delaying package configuration, since apt-utils is not installed'));

describe.skipIf(SKIP_REASON !== undefined)(title(`the Debian package in a debootstrapped ${SUITE} root, on Debian's nodejs`), () => {
  let repoServer: StaticServer;
  const debs = new Map<string, BuiltDeb>();
  let tampered: Buffer;

  const apt = (step: string, args: readonly string[]): Promise<CommandResult> => timed(step, () => inRoot(rootDir(), ['apt-get', ...args], { timeoutMs: STEP_TIMEOUT }));

  beforeAll(async () => {
    const root = rootDir();
    const install = await installStep();
    if (install.code !== 0) throw failure('the install step of docs/template-builds.md', install);
    await mountProc(root);
    await writeFile(path.join(root, 'etc/apt/apt.conf.d/90reprogate-system-test'), APT_CONF_WITHOUT_PTY);

    // Debian's nodejs from the mirror the root's own sources.list names (written by debootstrap).
    const update = await apt('apt-get update (Debian mirror)', ['update']);
    if (update.code !== 0) throw failure('apt-get update', update);
    const node = await apt('apt-get install -y nodejs', ['install', '-y', 'nodejs']);
    if (node.code !== 0) throw failure('apt-get install -y nodejs', node);

    const inside = path.join('/var/tmp', path.basename(the().deb));
    await copyFile(the().deb, path.join(root, inside));
    await timed('dpkg -i reprogate', () => inRootChecked(root, ['dpkg', '-i', inside]));

    // The loopback world: a signed repository and the two rebuilders, all on 127.0.0.1.
    const lab = the().lab;
    const built = await buildDebs(lab.path('debs'), [
      { name: 'rg-attested', version: '1.0-1', architecture: 'all' },
      { name: 'rg-unattested', version: '1.0-1', architecture: 'all' },
      { name: 'rg-cached', version: '1.0-1', architecture: 'all' },
    ]);
    for (const deb of built) debs.set(deb.spec.name, deb);
    tampered = sameSizeOtherBytes(await readFile(debs.get('rg-cached')!.path));
    // A third rebuilder as Qubes used them: a sources tree serving a link Debian's
    // in-toto-run signed with a legacy EdDSA OpenPGP key (openpgp.js verifies it, which on
    // Node 18 is where an ExperimentalWarning for Ed25519 would come from).
    const vectors = JSON.parse(await readFile(path.join(VECTORS, 'index.json'), 'utf8')) as VectorIndex;
    const eddsa = vectors.keys['gpg-eddsa']!;
    const foo = await describeDeb(lab.path('vector'), path.join(VECTORS, vectors.artifacts['foo_1.0-1_amd64.deb']!.file));
    debs.set('foo', foo);
    const notset = await startRebuilderServer();
    lab.defer(() => notset.close());
    notset.addSourcesMetadata('foo', '1.0-1', await readFile(path.join(VECTORS, eddsa.link)));

    const key = await createSigningKey(lab.path('repo-key'));
    lab.defer(() => key.close());
    const repository = await buildRepository(lab.path('repo'), [...built, foo], { suite: 'stable', component: 'main', signWith: key });
    repoServer = await serveStatic(repository.root);
    lab.defer(() => repoServer.close());
    for (const name of ['rg-attested', 'rg-cached']) {
      const { spec: { version, architecture }, sha256 } = debs.get(name)!;
      the().rebuilders.attest('alpha', { name, version, architecture, sha256 });
      the().rebuilders.attest('beta', { name, version, architecture, sha256 });
    }

    // What an admin does after installing the package: keys, an enforcing policy, a source switched to reprogate+http.
    await writePolicy(path.join(root, 'etc/reprogate'), the().rebuilders, {
      keyFile: 'notset.asc',
      key: await readFile(path.join(VECTORS, eddsa.cert!), 'utf8'),
      rebuilder: `  - { name: notset, type: sources, url: "${notset.url}", keys: [keys/notset.asc] }`,
      rules: ['  - { match: { package: "foo" }, threshold: 1, rebuilders: [notset] }'],
    });
    await mkdir(path.join(root, 'etc/apt/keyrings'), { recursive: true, mode: 0o755 });
    await copyFile(key.keyringPath, path.join(root, 'etc/apt/keyrings/reprogate-system-test.gpg'));
    await chmod(path.join(root, 'etc/apt/keyrings/reprogate-system-test.gpg'), 0o644);
    await writeFile(
      path.join(root, 'etc/apt/sources.list.d/reprogate-system-test.sources'),
      ['Types: deb', `URIs: reprogate+${repoServer.url}/`, 'Suites: stable', 'Components: main', 'Signed-By: /etc/apt/keyrings/reprogate-system-test.gpg', ''].join('\n'),
    );
    const labUpdate = await apt('apt-get update (with the reprogate+http source)', ['update']);
    if (labUpdate.code !== 0 || unexpectedStderr(labUpdate.stderr).length > 0) throw failure('apt-get update', labUpdate);
  }, SETUP_TIMEOUT);

  it("runs on Debian's Node 18: the packaged CLI starts and reads the enforcing policy", async () => {
    const root = rootDir();
    expect((await inRootChecked(root, ['node', '--version'])).stdout).toMatch(/^v18\./);
    expect((await inRootChecked(root, ['dpkg-query', '--search', '/usr/bin/node'])).stdout).toMatch(/^nodejs: /);
    expect(await readFile(path.join(root, 'usr/lib/reprogate/apt-method'), 'utf8')).toMatch(/^exec \/usr\/bin\/node /m);
    expect((await inRootChecked(root, ['reprogate', '--version'])).stdout.trim()).toBe(the().version);
    const check = await inRoot(root, ['reprogate', 'policy', 'check']);
    expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: '' });
    expect(check.stdout).toMatch(/mode +enforce/);
  });

  it('apt-get install accepts an attested package: the method and the hook agree, quietly, and _apt keeps its cache', async () => {
    const deb = debs.get('rg-attested')!;
    const result = await apt('apt-get install -y rg-attested (accepted)', ['install', '-y', 'rg-attested']);
    expect(result.code, result.stderr).toBe(0);
    expect(unexpectedStderr(result.stderr)).toEqual([]);
    expect(await dpkgStatus('rg-attested')).toBe(INSTALLED);
    // One decision from the method as it downloaded, one from the hook before dpkg ran.
    const decisions = (await decisionsInRoot()).filter((v) => v.package.sha256 === deb.sha256);
    expect(decisions.map((v) => v.code)).toEqual(['ACCEPTED', 'ACCEPTED']);
    expect(decisions[0]!.agreeingOperators).toEqual(['alpha', 'beta-org']);

    // The method ran as _apt; the root-run hook must not have left anything _apt cannot use.
    const passwd = await readFile(path.join(rootDir(), 'etc/passwd'), 'utf8');
    const aptUid = Number(/^_apt:[^:]*:(\d+):/m.exec(passwd)?.[1]);
    for (const dir of ['var/cache/reprogate', 'var/log/reprogate']) {
      const at = path.join(rootDir(), dir);
      const entries = [at, ...(await readdir(at, { recursive: true })).map((e) => path.join(at, e))];
      const owners = new Set(await Promise.all(entries.map(async (e) => (await stat(e)).uid)));
      expect([...owners], dir).toEqual([aptUid]);
    }
  }, STEP_TIMEOUT);

  it("apt-get install accepts a package attested by an in-toto-run link signed with an OpenPGP EdDSA key (openpgp.js on Node 18), quietly", async () => {
    const deb = debs.get('foo')!;
    const result = await apt('apt-get install -y foo (in-toto-run link, OpenPGP EdDSA)', ['install', '-y', 'foo']);
    expect(result.code, result.stderr).toBe(0);
    expect(unexpectedStderr(result.stderr)).toEqual([]);
    expect(await dpkgStatus('foo')).toBe(INSTALLED);
    const decisions = (await decisionsInRoot()).filter((v) => v.package.sha256 === deb.sha256);
    expect(decisions.map((v) => v.code)).toEqual(['ACCEPTED', 'ACCEPTED']);
    expect(decisions[0]).toMatchObject({ threshold: 1, agreeingOperators: ['notset'] });
  }, STEP_TIMEOUT);

  it('apt-get install refuses an unattested package in the method, with the one-line reason, and installs nothing', async () => {
    const deb = debs.get('rg-unattested')!;
    const result = await apt('apt-get install -y rg-unattested (refused by the method)', ['install', '-y', 'rg-unattested']);
    expect(result.code).toBe(100);
    const reasons = result.stderr.split('\n').filter((l) => l.includes('reprogate:'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(
      new RegExp(
        `^E: Failed to fetch reprogate\\+${repoServer.url.replace(/[.+]/g, '\\$&')}/pool/main/r/rg-unattested/rg-unattested_1\\.0-1_all\\.deb +` +
          `reprogate: refused rg-unattested 1\\.0-1 all \\(sha256 ${deb.sha256.slice(0, 4)}…${deb.sha256.slice(-2)}\\): ` +
          `0 of 2 independent rebuilders agree \\[alpha: missing[^;]*; beta: missing \\(HTTP 404\\); notset: missing \\(HTTP 404\\)\\]; run 'reprogate explain ${deb.sha256}' for details$`,
      ),
    );
    expect(await dpkgStatus('rg-unattested')).toBeUndefined();
    // The method deleted what it refused: nothing for dpkg or a later run to pick up.
    const archives = path.join(rootDir(), 'var/cache/apt/archives');
    expect([...(await readdir(archives)), ...(await readdir(path.join(archives, 'partial')))].filter((f) => f.startsWith('rg-unattested'))).toEqual([]);
    expect((await decisionsInRoot()).filter((v) => v.package.sha256 === deb.sha256).map((v) => v.code)).toEqual(['REFUSED_BELOW_THRESHOLD']);
  }, STEP_TIMEOUT);

  it('the hook refuses a tampered .deb planted in the cache (right name and size, other bytes), and dpkg never sees it', async () => {
    const deb = debs.get('rg-cached')!;
    const planted = path.join(rootDir(), 'var/cache/apt/archives', deb.fileName);
    await writeFile(planted, tampered, { mode: 0o644 });
    const sha256 = createHash('sha256').update(tampered).digest('hex');
    expect(tampered.length).toBe(deb.size);
    expect(sha256).not.toBe(deb.sha256);
    // Still a well-formed package: without the hook, dpkg would install it.
    await runChecked('dpkg-deb', ['--info', planted], { env: sealedEnv(the().work) });

    repoServer.clearLog();
    const result = await apt('apt-get install -y rg-cached (planted, refused by the hook)', ['install', '-y', 'rg-cached']);
    expect(result.code).toBe(100);
    const reasons = result.stderr.split('\n').filter((l) => l.startsWith('reprogate:'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain(`reprogate: refused rg-cached 1.0-1 all (sha256 ${sha256.slice(0, 4)}…${sha256.slice(-2)})`);
    expect(reasons[0]).toContain('alpha: conflicts');
    expect(reasons[0]).toContain('beta: conflicts');
    // The hook the package registered (/etc/apt/apt.conf.d/60reprogate) stopped apt before dpkg.
    expect(result.stderr).toContain('E: Failure running script /usr/lib/reprogate/pre-install-hook');
    expect(result.stdout).not.toContain('Unpacking rg-cached');
    expect(await dpkgStatus('rg-cached')).toBeUndefined();
    // apt took the planted file on its size alone: the method was never asked for it.
    expect(repoServer.requests.filter((r) => r.path.endsWith('.deb'))).toEqual([]);
    expect((await decisionsInRoot()).filter((v) => v.package.sha256 === sha256).map((v) => v.code)).toEqual(['REFUSED_CONFLICT']);
  }, STEP_TIMEOUT);
});
