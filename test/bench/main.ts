/**
 * `npm run bench`: builds its own loopback world, runs the workloads of issue 6
 * (W1 template update, W1-peer against apt-transport-in-toto, W2 slow rebuilders,
 * W3 big file memory, W4 hook on a warm cache, micro benchmarks), prints a table and
 * writes the results as JSON — test/bench/results.json for a full run, a temp file
 * for `BENCH_QUICK=1` (CI's check that the benchmark still works; it judges no time).
 *
 * Environment: BENCH_QUICK=1 (BENCH_PEER=1 adds a small W1-peer to it, BENCH_PEER=0 drops it from the full run); BENCH_ONLY=w1,w2,w3,w4,micro (w1 includes the peer);
 * BENCH_OUT=<file>; BENCH_APT_CONFIG="Key=Value;…" (added to every apt root, for
 * trying a setting); BENCH_CPU_PROF=<dir> (CPU profiles of every method process);
 * BENCH_KEEP=1 (keep the lab folder).
 *
 * Needs root (apt's `_apt` sandbox, installing the peer), Debian's apt, gnupg,
 * in-toto and dpkg-dev, and `npm run build` done (the script runs it first).
 */
import { existsSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLab, makeDir, type Lab } from '../support/aptlab/index.js';
import { packageConfFiles, parseAptConfig, plainLauncher, profilingLauncher, type BenchContext, type MethodLauncher } from './context.js';
import { currentLoad, describeMachine } from './machine.js';
import { runMicro } from './micro.js';
import { FULL, QUICK } from './profile.js';
import { judgeTargets, renderTable, type BenchResults } from './report.js';
import { runW1 } from './w1-template.js';
import { runW2 } from './w2-slow.js';
import { runW3 } from './w3-bigfile.js';
import { runW4 } from './w4-hook.js';
import { METHOD_SCHEME, sandboxWritableDir } from './world.js';

const WORKLOADS = ['w1', 'w2', 'w3', 'w4', 'micro'] as const;
type Workload = (typeof WORKLOADS)[number];

async function main(): Promise<void> {
  const root = resolve(process.env['REPROGATE_ROOT'] ?? process.cwd());
  const quick = process.env['BENCH_QUICK'] === '1';
  // BENCH_PEER=1 adds a small W1-peer to the quick profile (a check that the peer setup still works).
  // BENCH_PEER=0 drops the peer from the full profile (a quicker W1 while tuning).
  const peerSetting = process.env['BENCH_PEER'];
  const base = quick ? (peerSetting === '1' ? { ...QUICK, peer: { packages: 5, runs: 1 } } : QUICK) : FULL;
  const profile = peerSetting === '0' ? { ...base, peer: undefined } : base;
  const only = selectWorkloads(process.env['BENCH_ONLY']);
  const method = join(root, 'dist/apt-method');
  const hook = join(root, 'dist/pre-install-hook.js');
  for (const f of [method, hook]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  if (process.getuid?.() !== 0) throw new Error('the benchmark runs apt as root (its _apt sandbox, the peer): run it as root');

  const aptConfig = parseAptConfig(process.env['BENCH_APT_CONFIG']);
  const confParts = Object.fromEntries(
    await Promise.all(Object.entries(packageConfFiles(root)).map(async ([name, path]) => [name, await readFile(path, 'utf8')] as const)),
  );
  const started = new Date();
  const t0 = performance.now();
  const machine = describeMachine(root);
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  progress(`reprogate bench (${profile.name}): ${[...only].join(', ')}; load ${machine.loadBefore.join(' ')}`);

  const lab = await createLab({ keep: process.env['BENCH_KEEP'] === '1' });
  if (process.env['BENCH_KEEP'] === '1') progress(`lab: ${lab.dir}`);
  try {
    const launcher = await methodLauncher(lab, method);
    const ctx: BenchContext = { profile, ...launcher, hook, aptConfig, packageConfParts: confParts, progress };
    // Cheapest first, so a broken setup fails before the long workloads.
    const parts: { -readonly [K in 'w1' | 'w1Peer' | 'w2' | 'w3' | 'w4' | 'micro']?: BenchResults[K] } = {};
    if (only.has('micro')) {
      const methodPath = await schemeNamedMethod(lab, method);
      parts.micro = await runMicro(lab.path('micro'), { ...profile.micro, methodPath, stockHttpPath: '/usr/lib/apt/methods/http' });
    }
    if (only.has('w4')) parts.w4 = await inOwnLab(lab, (own) => runW4(own, ctx));
    if (only.has('w3')) parts.w3 = await inOwnLab(lab, (own) => runW3(own, ctx));
    if (only.has('w2')) parts.w2 = await inOwnLab(lab, (own) => runW2(own, ctx));
    if (only.has('w1')) {
      const { w1, peer } = await inOwnLab(lab, (own) => runW1(own, ctx));
      parts.w1 = w1;
      if (peer) parts.w1Peer = peer;
    }
    const measured: Omit<BenchResults, 'targets'> = {
      format: 'reprogate-bench',
      version: 1,
      profile: profile.name,
      startedAt: started.toISOString(),
      durationS: Math.round((performance.now() - t0) / 1000),
      machine: { ...machine, loadAfter: currentLoad() },
      aptConfig,
      reprogateConfParts: Object.keys(confParts),
      ...parts,
    };
    const full: BenchResults = { ...measured, targets: judgeTargets(measured) };

    const out = process.env['BENCH_OUT'] ?? (profile.name === 'full' && profile.peer !== undefined && only.size === WORKLOADS.length ? join(root, 'test/bench/results.json') : join(tmpdir(), `reprogate-bench-${profile.name}.json`));
    await writeFile(out, `${JSON.stringify(full, null, 2)}\n`);
    process.stdout.write(`\n${renderTable(full)}\nresults: ${out}\n`);
  } finally {
    await lab.close();
  }
}

/**
 * Runs a workload in a lab of its own inside `lab`: its servers stop when it ends.
 * Left running, every earlier workload's servers and packages stayed in this
 * process's heap, which its garbage collector marks again and again during W1's
 * runs, on the same two cores as apt. The files stay until `lab` goes: deleting
 * thousands of them before W1 would slow every file W1 creates (see set-aside.ts).
 */
async function inOwnLab<T>(lab: Lab, run: (own: Lab) => Promise<T>): Promise<T> {
  const own = await createLab({ parent: lab.dir, keep: true });
  try {
    return await run(own);
  } finally {
    await own.close();
  }
}

/** The bundle, or with BENCH_CPU_PROF a wrapper that writes a CPU profile of every method process. */
async function methodLauncher(lab: Lab, bundle: string): Promise<MethodLauncher> {
  const dir = process.env['BENCH_CPU_PROF'];
  if (dir === undefined || dir === '') return plainLauncher(bundle, METHOD_SCHEME);
  return profilingLauncher(await makeDir(lab.path('cpuprof')), bundle, METHOD_SCHEME, await sandboxWritableDir(resolve(dir)));
}

/** The method under its scheme's name, as apt starts it (it reads its scheme from that name). */
async function schemeNamedMethod(lab: Lab, method: string): Promise<string> {
  const path = join(await makeDir(lab.path('micro', 'methods')), METHOD_SCHEME);
  await symlink(method, path);
  return path;
}

function selectWorkloads(text: string | undefined): Set<Workload> {
  if (text === undefined || text.trim() === '') return new Set(WORKLOADS);
  const picked = text.split(',').map((w) => w.trim().toLowerCase());
  const unknown = picked.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown workload(s) ${unknown.join(', ')}; choose from ${WORKLOADS.join(', ')}`);
  return new Set(picked as Workload[]);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
