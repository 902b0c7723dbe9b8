/**
 * The second gate end to end: the built `dist/pre-install-hook.js` registered as
 * apt's `DPkg::Pre-Install-Pkgs` (protocol version 3), run by the real apt-get
 * before the real dpkg installs into a throwaway root (`dpkg --root`), next to the
 * built method as `reprogate+http`. Covers the ways a .deb reaches dpkg:
 *
 *   - downloaded and accepted by the method: the hook re-verifies it from the
 *     method's cache, with the rebuilders answering 500 (no network needed);
 *   - already in archives/ (apt checks only its size there, never calls the
 *     method): a same-name, same-size .deb with other bytes is refused;
 *   - `apt-get install ./local.deb` (the `file` route): refused unless attested;
 *   - origin rules: applied to a cached .deb with the origin the method recorded,
 *     never to a local file, whose origin is unknown.
 *
 * Needs `npm run build` first and runs as root (CI) or as a user (apt then runs
 * the method unsandboxed); prints how long apt took for each step.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/verify/index.js';
import { archivesListing, hashFile, runChecked, sameSizeOtherBytes, sealedEnv, type BuiltDeb, type CommandResult } from '../support/aptlab/index.js';
import { createWorld, type World } from '../support/demo-world.js';

const E2E = 120_000; // ms: real apt, dpkg and servers
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALLED = 'install ok installed';

const timings: Array<{ step: string; ms: number }> = [];
let world: World;

/** Real apt-get in the world, timed for the printout. */
async function apt(step: string, args: readonly string[]): Promise<CommandResult> {
  const result = await world.apt(args);
  timings.push({ step, ms: Math.round(result.durationMs) });
  return result;
}

/** Exit 0 and an empty stderr: no refusal, and no warning (not even the unsandboxed-download one). */
function expectOk(result: CommandResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

/**
 * The hook refused: apt stopped before dpkg (apt-get exits 100), and stderr holds
 * exactly one `reprogate:` line, the one-line reason naming the package and sha256.
 */
function expectRefusedByHook(result: CommandResult, deb: { name: string; version: string; architecture: string; sha256: string }): string {
  expect(result.code).toBe(100);
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('reprogate:'));
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expect(line).toContain(`reprogate: refused ${deb.name} ${deb.version} ${deb.architecture} (sha256 ${deb.sha256.slice(0, 4)}…${deb.sha256.slice(-2)})`);
  expect(line).toContain(`run 'reprogate explain ${deb.sha256}' for details`);
  // apt names the hook that failed; nothing else reached dpkg.
  expect(result.stderr).toContain(`E: Failure running script ${world.hookCommand}`);
  return line;
}

/** The newest Verdict about a sha256 in the decision log (method and hook both append). */
async function lastDecision(sha256: string): Promise<Verdict | undefined> {
  return (await world.decisions()).filter((v) => v.package.sha256 === sha256).at(-1);
}

/** The distinct uids owning anything below `dir`. */
async function ownersBelow(dir: string): Promise<Set<number>> {
  const entries = await readdir(dir, { recursive: true });
  return new Set(await Promise.all(entries.map(async (e) => (await stat(join(dir, e))).uid)));
}

const facts = (deb: BuiltDeb) => ({ name: deb.spec.name, version: deb.spec.version, architecture: deb.spec.architecture, sha256: deb.sha256 });

beforeAll(async () => {
  const started = performance.now();
  world = await createWorld({
    checkout: CHECKOUT,
    packages: [
      // An epoch (archives/ names it rg-hello_1%3a1.0-1_all.deb) and a dependency: two .debs for one hook run.
      { name: 'rg-hello', version: '1:1.0-1', architecture: 'all', depends: 'rg-lib' },
      { name: 'rg-lib', version: '1.0-1', architecture: 'amd64' },
      { name: 'rg-cached', version: '2.0-1', architecture: 'amd64' },
      { name: 'rg-solo', version: '1.0-1', architecture: 'all' },
    ],
    rebuilders: [{ name: 'alpha' }, { name: 'beta', operator: 'beta-org' }],
    threshold: 2,
    // One rebuilder is enough for rg-solo*, but only when it comes from the loopback repository.
    rules: ['  - { match: { package: "rg-solo*", origin: "127.0.0.1" }, threshold: 1, rebuilders: [alpha] }'],
    hook: true,
  });
  for (const name of ['rg-hello', 'rg-lib', 'rg-cached']) {
    world.attest('alpha', world.debs.get(name)!);
    world.attest('beta', world.debs.get(name)!);
  }
  world.attest('alpha', world.debs.get('rg-solo')!);
  timings.push({ step: 'world: 4 packages, signed repository, 2 rebuilders', ms: Math.round(performance.now() - started) });
  expectOk(await apt('apt-get update', ['update']));
}, E2E);

afterAll(async () => {
  await world?.close();
  console.log(timings.map(({ step, ms }) => `${String(ms).padStart(7)} ms  ${step}`).join('\n'));
});

describe('the pre-install hook under real apt and dpkg', () => {
  it('lets dpkg install what the method accepted, re-verified from the cache with every rebuilder down', async () => {
    const debs = [world.debs.get('rg-hello')!, world.debs.get('rg-lib')!];
    expectOk(await apt('install --download-only, 2 packages (method verifies)', ['install', '-y', '--download-only', 'rg-hello']));
    expect((await archivesListing(world.root)).archives).toEqual(['rg-hello_1%3a1.0-1_all.deb', 'rg-lib_1.0-1_amd64.deb']);
    for (const deb of debs) expect((await lastDecision(deb.sha256))?.code).toBe('ACCEPTED');

    const servers = [...world.rebuilders.values()];
    for (const s of servers) {
      s.fault(/.*/, { kind: 'status', status: 500 });
      s.clearLog();
    }
    world.repositoryServer.clearLog();
    const decisionsBefore = (await world.decisions()).length;
    try {
      const install = await apt('install 2 packages from archives/ (hook, cache only)', ['install', '-y', 'rg-hello']);
      expectOk(install);
      expect(install.stdout).toContain('Setting up rg-lib (1.0-1)');
      expect(install.stdout).toContain('Setting up rg-hello (1:1.0-1)');
    } finally {
      for (const s of servers) s.clearFaults();
    }
    expect(await world.dpkgStatus('rg-hello')).toBe(INSTALLED);
    expect(await world.dpkgStatus('rg-lib')).toBe(INSTALLED);
    // Nothing left the machine: the hook read the method's cache, and apt used the file it had.
    expect(servers.flatMap((s) => s.requests)).toEqual([]);
    expect(world.repositoryServer.requests.map((r) => r.path)).toEqual([]);
    const fromHook = (await world.decisions()).slice(decisionsBefore);
    expect(fromHook.map((v) => [v.package.name, v.package.version, v.package.sha256, v.code, v.agreeingOperators])).toEqual(
      expect.arrayContaining(debs.map((d) => [d.spec.name, d.spec.version, d.sha256, 'ACCEPTED', ['alpha', 'beta-org']])),
    );
    expect(fromHook).toHaveLength(2);
  }, E2E);

  it('refuses a same-name, same-size .deb with other bytes left in archives/, which apt never re-fetches', async () => {
    const deb = world.debs.get('rg-cached')!;
    const bytes = sameSizeOtherBytes(await readFile(deb.path));
    const planted = join(world.root.archivesDir, deb.fileName);
    await writeFile(planted, bytes, { mode: 0o644 });
    const hashes = await hashFile(planted);
    expect(hashes.size).toBe(deb.size);
    expect(hashes.sha256).not.toBe(deb.sha256);
    // Still a well-formed package: without the hook, dpkg would install it.
    await runChecked('dpkg-deb', ['--info', planted], { env: sealedEnv(world.root.tmpDir) });

    world.repositoryServer.clearLog();
    const result = await apt('install a planted .deb (hook refuses)', ['install', '-y', 'rg-cached']);
    const line = expectRefusedByHook(result, { ...facts(deb), sha256: hashes.sha256 });
    // The rebuilders signed the genuine bytes for this very file name.
    expect(line).toContain('a rebuilder signed a different sha256 for this file');
    expect(line).toContain('alpha: conflicts');
    expect(line).toContain('beta: conflicts');
    expect(result.stdout).not.toContain('Unpacking rg-cached');
    expect(await world.dpkgStatus('rg-cached')).toBeUndefined();
    // apt took the planted file on its size alone: the method was never asked.
    expect(world.repositoryServer.requests.filter((r) => r.path.endsWith('.deb'))).toEqual([]);
    expect((await lastDecision(hashes.sha256))?.code).toBe('REFUSED_CONFLICT');
  }, E2E);

  it('refuses `apt-get install ./local.deb` of an unattested file, and installs an attested one', async () => {
    const unattested = await world.buildLocalDeb({ name: 'rg-local', version: '0.1-1', architecture: 'all' });
    const refused = await apt('install ./unattested.deb (hook refuses)', ['install', '-y', `./${unattested.fileName}`]);
    const line = expectRefusedByHook(refused, facts(unattested));
    expect(line).toContain('0 of 2 independent rebuilders agree');
    expect(await world.dpkgStatus('rg-local')).toBeUndefined();

    const attested = await world.buildLocalDeb({ name: 'rg-local-ok', version: '0.1-1', architecture: 'all' });
    world.attest('alpha', attested);
    world.attest('beta', attested);
    const accepted = await apt('install ./attested.deb (hook fetches, accepts)', ['install', '-y', `./${attested.fileName}`]);
    expectOk(accepted);
    expect(await world.dpkgStatus('rg-local-ok')).toBe(INSTALLED);
    const verdict = await lastDecision(attested.sha256);
    expect(verdict).toMatchObject({ code: 'ACCEPTED', threshold: 2 });
    expect(verdict?.package.origin).toBeUndefined();
    // The hook runs as root and fetched these itself: what it cached must stay the sandbox user's.
    const owners = await ownersBelow(world.cacheDir);
    expect(owners.size).toBeGreaterThan(0);
    expect([...owners]).toEqual([(await stat(world.cacheDir)).uid]);
    expect((await stat(world.logFile)).uid).toBe((await stat(world.cacheDir)).uid);
  }, E2E);

  it('under Debug::Reprogate prints its settings and each verdict in detail on stderr, and nothing more without it', async () => {
    const deb = await world.buildLocalDeb({ name: 'rg-debug', version: '0.1-1', architecture: 'all' });
    world.attest('alpha', deb);
    world.attest('beta', deb);
    const loud = await apt('install ./debug.deb under Debug::Reprogate', ['install', '-y', '-o', 'Debug::Reprogate=1', `./${deb.fileName}`]);
    expect(loud.code).toBe(0);
    const lines = loud.stderr.split('\n').filter((l) => l.startsWith('reprogate:'));
    expect(lines.every((l) => l.startsWith('reprogate: debug: '))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^reprogate: debug: policy \/.*, cache \/.*, decision log \/.*$/));
    expect(lines).toContainEqual(expect.stringMatching(/^reprogate: debug: mode enforce, threshold 2 /));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`: ACCEPTED rg-debug 0\\.1-1 all sha256 ${deb.sha256} in \\d+ ms, rule: .*, \\[alpha: agrees \\(signed by .*\\); beta: agrees \\(signed by .*\\)\\]$`)),
    );
    expectOk(await apt('reinstall ./debug.deb, quiet', ['install', '-y', '--reinstall', `./${deb.fileName}`]));
  }, E2E);

  it('applies an origin rule to the cached .deb with the origin the method recorded, never to a local file', async () => {
    const solo = world.debs.get('rg-solo')!;
    // One apt run, as users run it: the method downloads and decides, then the hook decides again.
    expectOk(await apt('install, origin rule (method, then hook from the cache)', ['install', '-y', 'rg-solo']));
    expect(await world.dpkgStatus('rg-solo')).toBe(INSTALLED);
    const [fromMethod, fromHook, ...more] = (await world.decisions()).filter((v) => v.package.sha256 === solo.sha256);
    expect(more).toEqual([]);
    for (const verdict of [fromMethod, fromHook]) {
      expect(verdict).toMatchObject({ code: 'ACCEPTED', threshold: 1, agreeingOperators: ['alpha'] });
      // The hook can only have learnt where the file came from from the method's cache.
      expect(verdict?.package.origin).toBe(`127.0.0.1:${world.repositoryServer.port}`);
    }

    // Same package name glob, same single attestation, but no repository behind it.
    const local = await world.buildLocalDeb({ name: 'rg-solo-local', version: '1.0-1', architecture: 'all' });
    world.attest('alpha', local);
    const refused = await apt('install ./local.deb, origin rule must not apply (hook refuses)', ['install', '-y', `./${local.fileName}`]);
    const line = expectRefusedByHook(refused, facts(local));
    expect(line).toContain('1 of 2 independent rebuilders agree');
    expect(await world.dpkgStatus('rg-solo-local')).toBeUndefined();
    const fromLocal = await lastDecision(local.sha256);
    expect(fromLocal).toMatchObject({ code: 'REFUSED_BELOW_THRESHOLD', threshold: 2 });
    expect(fromLocal?.package.origin).toBeUndefined();
  }, E2E);
});
