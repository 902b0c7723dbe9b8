/**
 * `npm run fuzz`: every fuzz target (or the ones named on the command line) for
 * FUZZ_RUNS cases each — 100 000 by default, `FUZZ_RUNS=2000` for CI — with a fresh
 * random seed per target (FUZZ_SEED repeats a run). esbuild bundles this file at run
 * time (see README.md for the exact command); it is not a vitest file.
 *
 * Each target runs in a worker thread and the main thread is its watchdog: the worker
 * bumps a shared counter as every case starts, and if the counter stands still for
 * longer than five times the target's per-case bound, the worker is terminated and the
 * target reported as hung (a synchronous infinite loop cannot be interrupted from
 * inside, nor by fast-check's per-run timeout). Exit status 1 if any target failed or
 * hung.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { FuzzReport } from './harness.js';
import { TARGETS } from './targets.js';

interface Job {
  readonly target: string;
  readonly runs: number;
  readonly seed: number;
  /** Int32Array[0]: cases started so far. */
  readonly counter: SharedArrayBuffer;
}

type Outcome =
  | { readonly ok: true; readonly report: Omit<FuzzReport, 'codes' | 'knownBugHits'> & { codes: [string, number][]; knownBugHits: [string, number][] } }
  | { readonly ok: false; readonly error: string };

const DEFAULT_RUNS = 100_000;
const POLL_MS = 1000;

if (isMainThread) {
  process.exitCode = await main(process.argv.slice(2));
} else {
  await work(workerData as Job);
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--list') || args.includes('--help')) {
    for (const t of TARGETS) console.log(`${t.name.padEnd(16)} ${t.description}`);
    return 0;
  }
  const unknown = args.filter((a) => !TARGETS.some((t) => t.name === a));
  if (unknown.length > 0) {
    console.error(`unknown fuzz target(s): ${unknown.join(', ')}; run with --list`);
    return 2;
  }
  const runs = Number(process.env['FUZZ_RUNS'] ?? DEFAULT_RUNS);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    console.error(`FUZZ_RUNS must be a positive whole number, not ${JSON.stringify(process.env['FUZZ_RUNS'])}`);
    return 2;
  }
  const fixedSeed = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
  const selected = TARGETS.filter((t) => args.length === 0 || args.includes(t.name));

  let failed = 0;
  const started = performance.now();
  for (const target of selected) {
    const seed = fixedSeed ?? Math.floor(Math.random() * 2 ** 31);
    console.log(`\n${target.name}: ${runs} cases, seed ${seed} (FUZZ_SEED=${seed} npm run fuzz -- ${target.name} repeats it)`);
    const outcome = await supervise({ target: target.name, runs, seed, counter: new SharedArrayBuffer(4) }, Math.max(5 * target.caseBoundMs, 10_000));
    if (outcome.ok) {
      printReport(outcome.report);
    } else {
      failed++;
      console.log(`  FAILED\n${outcome.error.replace(/^/gm, '  ')}`);
    }
  }
  console.log(`\n${selected.length - failed} of ${selected.length} targets passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return failed === 0 ? 0 : 1;
}

/** Runs one job in a worker; terminates it when no new case starts within `hangMs`. */
function supervise(job: Job, hangMs: number): Promise<Outcome> {
  const cases = new Int32Array(job.counter);
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  return new Promise<Outcome>((resolve) => {
    let last = -1;
    let stillSince = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(cases, 0);
      if (now !== last) {
        last = now;
        stillSince = performance.now();
        return;
      }
      if (performance.now() - stillSince < hangMs) return;
      clearInterval(watchdog);
      void worker.terminate();
      resolve({ ok: false, error: `case ${now} did not finish within ${hangMs / 1000} s (a hang); repeat with FUZZ_SEED=${job.seed}` });
    }, POLL_MS);
    worker.once('message', (outcome: Outcome) => {
      clearInterval(watchdog);
      resolve(outcome);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      clearInterval(watchdog);
      resolve({ ok: false, error: `worker crashed: ${e.stack ?? e.message}` });
    });
    worker.once('exit', (code) => {
      clearInterval(watchdog);
      resolve({ ok: false, error: `worker exited with code ${code} before reporting` });
    });
  });
}

async function work(job: Job): Promise<void> {
  const target = TARGETS.find((t) => t.name === job.target);
  const cases = new Int32Array(job.counter);
  let outcome: Outcome;
  try {
    if (target === undefined) throw new Error(`no target ${job.target}`);
    const report = await target.fuzz({ numRuns: job.runs, seed: job.seed, onCase: () => Atomics.add(cases, 0, 1) });
    outcome = { ok: true, report: { ...report, codes: [...report.codes], knownBugHits: [...report.knownBugHits] } };
  } catch (e) {
    outcome = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort?.postMessage(outcome);
}

function printReport(report: Extract<Outcome, { ok: true }>['report']): void {
  const seconds = report.elapsedMs / 1000;
  console.log(`  ok: ${report.runs} cases in ${seconds.toFixed(1)} s (${((report.elapsedMs / report.runs) * 1000).toFixed(0)} µs each), slowest ${report.slowestMs.toFixed(0)} ms`);
  const codes = report.codes.sort((a, b) => b[1] - a[1]);
  const refused = codes.reduce((n, [, c]) => n + c, 0);
  console.log(`  refused with a typed error: ${refused} (${codes.slice(0, 6).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}${codes.length > 6 ? ', …' : ''})`);
  for (const [id, n] of report.knownBugHits) console.log(`  KNOWN BUG ${id}: ${n} case${n === 1 ? '' : 's'} (see the target's knownBugs)`);
}
