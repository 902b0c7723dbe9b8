/**
 * Peak memory of the method while apt runs it: a sampler that walks /proc every
 * few milliseconds, finds the method's processes (test/support/proc.ts) and their children
 * (apt's http method, which the relay starts), and keeps each one's VmHWM — the
 * kernel's own high-water mark of resident memory, so a peak between two samples
 * is not lost as long as the process is seen once after it.
 *
 * Linux only. Reads /proc; changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { isMethodProcess, listPids, readCommandLine } from '../support/proc.js';

export interface PeakMemory {
  /** Largest VmHWM of any method (node) process, in bytes; 0 if none was seen. */
  readonly methodBytes: number;
  /** Largest VmHWM of any child of a method process (apt's http), in bytes. */
  readonly childBytes: number;
  /** How many method and child processes were seen. */
  readonly methods: number;
  readonly children: number;
}

export interface RssSampler {
  stop(): Promise<PeakMemory>;
}

/**
 * Starts sampling; call before apt starts. Processes that exist already are not
 * ours and are never read, so a tick costs a /proc listing plus a few small reads
 * even on a machine running many other jobs.
 */
export async function sampleMethodMemory(methodPath: string, intervalMs = 10): Promise<RssSampler> {
  const methods = new Map<number, number>(); // pid -> VmHWM bytes
  const children = new Map<number, number>();
  const settled = new Set(await listPids());
  // A process read between fork and exec still shows its parent's command line, so
  // one that is not ours yet is looked at again for a few ticks before it is let go.
  const looks = new Map<number, number>();
  let running = true;

  const tick = async (): Promise<void> => {
    for (const pid of await listPids()) {
      if (settled.has(pid)) continue;
      const info = await describe(pid);
      const tries = (looks.get(pid) ?? 0) + 1;
      looks.set(pid, tries);
      if (info !== undefined && isMethodProcess(info.argv, methodPath)) methods.set(pid, 0);
      else if (info !== undefined && methods.has(info.ppid)) children.set(pid, 0);
      else if (tries < 5) continue;
      settled.add(pid);
    }
    for (const tracked of [methods, children]) {
      for (const [pid, peak] of tracked) tracked.set(pid, Math.max(peak, (await highWater(pid)) ?? 0));
    }
  };
  const loop = (async () => {
    while (running) {
      await tick();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      return {
        methodBytes: Math.max(0, ...methods.values()),
        childBytes: Math.max(0, ...children.values()),
        methods: methods.size,
        children: children.size,
      };
    },
  };
}

async function describe(pid: number): Promise<{ ppid: number; argv: string[] } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = await readCommandLine(pid);
    return argv === undefined ? undefined : { ppid, argv };
  } catch {
    return undefined;
  }
}

async function highWater(pid: number): Promise<number | undefined> {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined; // exited: its last sample stands
  }
}
