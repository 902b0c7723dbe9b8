/**
 * `reprogate explain DEB|SHA256|NAME=VERSION`: the whole decision, rebuilder by
 * rebuilder. A .deb on disk is verified afresh; otherwise the newest matching
 * record of the decision log is shown (the method deletes refused files).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkDeb } from '../runtime/check-deb.js';
import { findDecisions } from '../runtime/decision-log.js';
import { explain, letThrough, type Verdict } from '../verify/index.js';
import { EXIT, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { openSession, type SessionOptions } from './session.js';

export async function explainCommand(what: string, options: SessionOptions, io: CliIo): Promise<number> {
  const runtime = await openSession(options, io);
  try {
    let verdict: Verdict | undefined;
    if (existsSync(what)) {
      verdict = (await checkDeb({ path: resolve(what), origin: undefined }, runtime.context)).verdict;
    } else {
      const query = /^[0-9a-f]{64}$/i.test(what) ? { sha256: what.toLowerCase() } : nameVersion(what);
      const found = await findDecisions(runtime.settings.logFile, query).catch((e: unknown) => {
        io.stderr(`reprogate: cannot read the decision log ${runtime.settings.logFile}: ${(e as Error).message}\n`);
        return [];
      });
      verdict = found.at(-1);
      if (!verdict) {
        io.stderr(`reprogate: no decision about ${what} in ${runtime.settings.logFile}\n`);
        return EXIT.finding;
      }
    }
    io.stdout(explain(verdict));
    return letThrough(verdict) ? EXIT.ok : EXIT.finding;
  } finally {
    await runtime.close();
  }
}

function nameVersion(what: string): { name: string; version?: string } {
  const m = /^([a-z0-9][a-z0-9+.-]*)(?:=(\S+))?$/.exec(what);
  if (!m) throw new UsageError(`expected a .deb file, a sha256, or NAME=VERSION; got ${JSON.stringify(what)}`);
  return m[2] !== undefined ? { name: m[1]!, version: m[2] } : { name: m[1]! };
}
