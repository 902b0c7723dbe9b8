/**
 * Timing `apt-get install --download-only` the way a template build meets it: an
 * empty archives folder (and, for reprogate, an empty attestation cache) before
 * every run, contenders interleaved run by run so that drift in the machine's load
 * hits all of them alike, and every run checked — a run that failed or left a
 * package out is an error, never a number.
 *
 * Besides wall time, each run records CPU: apt-get's and its methods' (with their
 * children: bash's `times` after apt-get has reaped them), and the benchmark
 * process's own, whose loopback servers share the same cores.
 *
 * Does not build the world (world.ts, peer.ts) and asserts nothing about time.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { archivesListing, runApt, runCommand, sealedEnv, type AptRoot, type CommandResult } from '../support/aptlab/index.js';
import { setAside } from './set-aside.js';

export interface Contender {
  readonly label: string;
  readonly root: AptRoot;
  /** Called before every run, after the archives are emptied. */
  readonly reset?: () => Promise<void>;
  /** Called after every run (e.g. to reap processes a method left behind). */
  readonly after?: () => Promise<void>;
  /** Proof from apt's stderr that the run did the work being timed; a message when it did not. */
  readonly checkStderr?: (stderr: string, packages: readonly string[]) => string | undefined;
}

export class BenchRunError extends Error {}

/** `apt-get update`, which must succeed without a warning: a half-updated root would time nothing useful. */
export async function updateIndexes(contender: Contender, timeoutMs = 300_000): Promise<void> {
  const r = await runApt(contender.root, ['update'], { timeoutMs });
  await contender.after?.();
  if (r.code !== 0 || /^(W|E): /m.test(r.stderr)) {
    throw new BenchRunError(`${contender.label}: apt-get update failed (exit ${r.code}): ${tail(r.stderr)}`);
  }
}

/** Empties apt's archives (and partial/) for the next run; the files go to `spent/` beside the root (see set-aside.ts). */
export async function emptyArchives(root: AptRoot): Promise<void> {
  const leftovers: string[] = [];
  for (const dir of [root.archivesDir, join(root.archivesDir, 'partial')]) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name !== 'lock') leftovers.push(join(dir, entry.name));
    }
  }
  await setAside(leftovers, spentDirOf(root));
}

/** Where a root's leftovers go: a folder beside the root, inside the lab. */
function spentDirOf(root: AptRoot): string {
  return join(dirname(root.dir), 'spent');
}

export interface RunTiming {
  readonly wallMs: number;
  /** User + system CPU of apt-get, its methods and their children. */
  readonly aptCpuMs: number;
  /** User + system CPU of this process (the mirror and rebuilder servers) during the run. */
  readonly labCpuMs: number;
}

/** One timed download of `packages` into an empty cache. */
export async function timeDownload(contender: Contender, packages: readonly string[], timeoutMs: number): Promise<RunTiming> {
  await emptyArchives(contender.root);
  await contender.reset?.();
  const lab = process.cpuUsage();
  const { result: r, cpuMs } = await runAptWithCpu(contender.root, ['install', '--download-only', '-y', '-qq', ...packages], timeoutMs);
  const labUsage = process.cpuUsage(lab);
  await contender.after?.();
  const got = (await archivesListing(contender.root)).archives.length;
  if (r.code !== 0 || got !== packages.length) {
    throw new BenchRunError(
      `${contender.label}: apt-get install --download-only of ${packages.length} packages exited ${r.code ?? r.signal} with ${got} in archives/: ${tail(r.stderr)}`,
    );
  }
  const wrong = contender.checkStderr?.(r.stderr, packages);
  if (wrong !== undefined) throw new BenchRunError(`${contender.label}: ${wrong}`);
  return { wallMs: r.durationMs, aptCpuMs: cpuMs, labCpuMs: (labUsage.user + labUsage.system) / 1000 };
}

/**
 * apt-get as runApt runs it (same sealed environment and folder), under bash so that
 * `times` can report the CPU of apt-get and everything it reaped. The two lines
 * `times` prints are taken off stderr.
 */
async function runAptWithCpu(root: AptRoot, args: readonly string[], timeoutMs: number): Promise<{ result: CommandResult; cpuMs: number }> {
  const result = await runCommand('bash', ['-c', 'apt-get "$@"; status=$?; times >&2; exit $status', 'apt-get', ...args], {
    env: sealedEnv(root.tmpDir, { APT_CONFIG: root.configPath, DEBIAN_FRONTEND: 'noninteractive' }),
    cwd: root.tmpDir,
    timeoutMs,
  });
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? '');
  if (children === null || lines.length < 2) throw new BenchRunError(`bash printed no times after apt-get: ${tail(result.stderr)}`);
  const [, um = '0', us = '0', sm = '0', ss = '0'] = children;
  const cpuMs = (Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)) * 1000;
  const stderr = lines.slice(0, -2).join('\n');
  return { result: { ...result, stderr: stderr === '' ? '' : `${stderr}\n` }, cpuMs };
}

/**
 * One untimed round (checked like the others), then `runs` rounds; each round runs
 * every contender once, the order rotating from round to round. Returns each
 * contender's timings in run order. The warm-up round takes what no apt run of a
 * real machine pays (the lab servers' first requests, the mirror's files coming into
 * the page cache) out of the first timed run; every run still starts a new apt and
 * new methods, so their start-up is measured every time.
 */
export function timeDownloads(
  contenders: readonly Contender[],
  packages: readonly string[],
  runs: number,
  options: { timeoutMs: number; progress: (line: string) => void },
): Promise<Map<string, RunTiming[]>> {
  return timeRounds(contenders, runs, (c) => timeDownload(c, packages, options.timeoutMs), options.progress);
}

/**
 * `apt-get update` with nothing new in the repository, in rounds as timeDownloads
 * times downloads: what every update check costs (Qubes runs one in every template
 * and qube, every day). Only index files travel, which the method passes through.
 */
export function timeUpdates(contenders: readonly Contender[], runs: number, options: { timeoutMs: number; progress: (line: string) => void }): Promise<Map<string, RunTiming[]>> {
  return timeRounds(contenders, runs, (c) => timeUpdate(c, options.timeoutMs), options.progress);
}

async function timeUpdate(contender: Contender, timeoutMs: number): Promise<RunTiming> {
  await contender.reset?.();
  const lab = process.cpuUsage();
  const { result: r, cpuMs } = await runAptWithCpu(contender.root, ['update', '-qq'], timeoutMs);
  const labUsage = process.cpuUsage(lab);
  await contender.after?.();
  if (r.code !== 0 || /^(W|E): /m.test(r.stderr)) {
    throw new BenchRunError(`${contender.label}: apt-get update exited ${r.code ?? r.signal}: ${tail(r.stderr)}`);
  }
  return { wallMs: r.durationMs, aptCpuMs: cpuMs, labCpuMs: (labUsage.user + labUsage.system) / 1000 };
}

async function timeRounds(
  contenders: readonly Contender[],
  runs: number,
  timeOne: (contender: Contender) => Promise<RunTiming>,
  progress: (line: string) => void,
): Promise<Map<string, RunTiming[]>> {
  const times = new Map(contenders.map((c) => [c.label, [] as RunTiming[]]));
  for (const contender of contenders) {
    const timing = await timeOne(contender);
    progress(`  warm-up ${contender.label}: ${(timing.wallMs / 1000).toFixed(2)} s (not counted)`);
  }
  for (let run = 0; run < runs; run++) {
    const order = contenders.map((_, i) => contenders[(i + run) % contenders.length] as Contender);
    for (const contender of order) {
      const timing = await timeOne(contender);
      times.get(contender.label)?.push(timing);
      progress(
        `  run ${run + 1}/${runs} ${contender.label}: ${(timing.wallMs / 1000).toFixed(2)} s (apt CPU ${(timing.aptCpuMs / 1000).toFixed(2)} s, lab CPU ${(timing.labCpuMs / 1000).toFixed(2)} s)`,
      );
    }
  }
  return times;
}

function tail(text: string): string {
  const t = text.trim();
  return t.length > 800 ? `…${t.slice(-800)}` : t || '(no output)';
}
