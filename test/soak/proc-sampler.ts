/**
 * A time series of the method's resources while apt runs it: every `intervalMs`
 * it walks /proc, picks the method's processes (test/support/proc.ts), and records each
 * one's resident memory (VmRSS, VmHWM) and its number of open file descriptors.
 *
 * A series, not a peak (test/bench/rss.ts keeps peaks): the soak asks whether the
 * method stays flat over a long run, which needs the shape over time.
 *
 * Linux only; needs to be allowed to read /proc/<pid>/fd of the method (root, or
 * the same user). Reads /proc; changes nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isMethodProcess, listPids, readCommandLine } from '../support/proc.js';

export interface ProcSample {
  readonly pid: number;
  /** ms since the sampler started. */
  readonly atMs: number;
  readonly rssKb: number;
  readonly hwmKb: number;
  readonly fds: number;
}

export interface ProcSampler {
  /** Pids seen running the method so far. */
  readonly pids: ReadonlySet<number>;
  /** Stops sampling; resolves with every sample, oldest first. */
  stop(): Promise<ProcSample[]>;
}

export async function startProcSampler(methodInvokedAs: string, intervalMs: number): Promise<ProcSampler> {
  const started = performance.now();
  // Processes already running when sampling starts cannot be the method apt is about to start.
  const foreign = new Set(await listPids());
  const pids = new Set<number>();
  const samples: ProcSample[] = [];
  let running = true;

  const tick = async (): Promise<void> => {
    for (const pid of await listPids()) {
      if (foreign.has(pid) || pids.has(pid)) continue;
      const argv = await readCommandLine(pid);
      // Between fork and exec a child still shows its parent's argv: look again next tick.
      if (argv !== undefined && isMethodProcess(argv, methodInvokedAs)) pids.add(pid);
    }
    for (const pid of pids) {
      const sample = await readSample(pid, performance.now() - started);
      if (sample !== undefined) samples.push(sample);
    }
  };
  const loop = (async () => {
    while (running) {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    pids,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Pids among `pids` that still exist (a method still running after apt returned is stuck). */
export async function stillRunning(pids: Iterable<number>): Promise<number[]> {
  const alive = new Set(await listPids());
  return [...pids].filter((pid) => alive.has(pid));
}

async function readSample(pid: number, atMs: number): Promise<ProcSample | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    const rssKb = kb('VmRSS');
    // A zombie has no VmRSS: not a sample of a running method.
    if (Number.isNaN(rssKb)) return undefined;
    return { pid, atMs: Math.round(atMs), rssKb, hwmKb: kb('VmHWM'), fds };
  } catch {
    return undefined; // exited between listing and reading
  }
}
