/**
 * The decision log (`Reprogate::Log`): one JSON line per Verdict, appended.
 * `reprogate explain` reads it back when the .deb itself is gone. Lines are
 * written with a single `appendFile`, so concurrent writers (several method
 * processes, the hook) never interleave within a line. Writing is best effort:
 * a full disk must not turn a verified package into a refusal, but the failure
 * is reported.
 */
import { appendFile, chown, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Verdict } from '../verify/index.js';

export async function appendDecision(file: string, verdict: Verdict): Promise<void> {
  const line = JSON.stringify(verdict) + '\n';
  const existed = await stat(file).then(
    () => true,
    () => false,
  );
  await appendFile(file, line, { mode: 0o644 });
  // Root (the hook) creating the log must not lock out `_apt` (the method): hand the
  // new file to whoever owns its folder.
  if (!existed && process.getuid?.() === 0) {
    const folder = await stat(dirname(file));
    await chown(file, folder.uid, folder.gid).catch(() => undefined);
  }
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
