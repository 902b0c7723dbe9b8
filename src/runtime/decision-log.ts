/**
 * The decision log (`Reprogate::Log`): one JSON line per Verdict, appended.
 * `reprogate explain` reads it back when the .deb itself is gone. The file is
 * opened once per process in append mode and each line is one write, so
 * concurrent writers (several method processes, the hook) never interleave
 * within a line. Writing is best effort: a full disk must not turn a verified
 * package into a refusal, but the failure is reported.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Verdict } from '../verify/index.js';

export interface DecisionLog {
  /** Appends one line; rejects when the log cannot be written (the caller reports it). */
  append(verdict: Verdict): Promise<void>;
  /** Closes the file (a handle left to the garbage collector makes Node warn). */
  close(): Promise<void>;
}

/** Opens nothing until the first decision: a run that decides nothing leaves no log behind. */
export function openDecisionLog(file: string): DecisionLog {
  let handle: Promise<FileHandle> | undefined;
  return {
    async append(verdict) {
      handle ??= openForAppend(file);
      // A failed open is retried at the next decision (the folder may appear meanwhile).
      const h = await handle.catch((e: unknown) => {
        handle = undefined;
        throw e;
      });
      await h.appendFile(JSON.stringify(verdict) + '\n');
    },
    async close() {
      const h = await handle?.catch(() => undefined);
      handle = undefined;
      await h?.close();
    },
  };
}

async function openForAppend(file: string): Promise<FileHandle> {
  const h = await open(file, 'a', 0o644);
  // Root (the hook) creating the log must not lock out `_apt` (the method): hand a
  // file still empty (so, presumably, new) to whoever owns its folder.
  if (process.getuid?.() === 0 && (await h.stat()).size === 0) {
    const folder = await stat(dirname(file));
    await h.chown(folder.uid, folder.gid).catch(() => undefined);
  }
  return h;
}

/** Verdicts for a sha256, or for `name=version`, newest last; a corrupt line is skipped. */
export async function findDecisions(file: string, query: { sha256?: string; name?: string; version?: string }, maxBytes = 64 * 1024 * 1024): Promise<Verdict[]> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    // Read the newest part only: the log grows without bound.
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift();
    const found: Verdict[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      let v: Verdict;
      try {
        v = JSON.parse(line) as Verdict;
      } catch {
        continue;
      }
      const p = v.package as Partial<Verdict['package']> | undefined;
      if (!p) continue;
      const match = query.sha256 !== undefined ? p.sha256 === query.sha256 : p.name === query.name && (query.version === undefined || p.version === query.version);
      if (match) found.push(v);
    }
    return found;
  } finally {
    await handle.close();
  }
}
