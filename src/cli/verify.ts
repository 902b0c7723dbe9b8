/**
 * `reprogate verify [--policy FILE] [--json] [--attestations DIR] [--offline] DEB...`:
 * the batch gate for image builds. Exit 0 when every .deb is let through, 1 when
 * any is refused, 2 when the policy is unusable.
 */
import { resolve } from 'node:path';
import { checkDeb } from '../runtime/check-deb.js';
import { debugLog, verdictDiagnostics } from '../runtime/diagnostics.js';
import { letThrough, oneLine, type Verdict } from '../verify/index.js';
import { EXIT } from './errors.js';
import type { CliIo } from './io.js';
import { mapBounded } from '../parallel.js';
import { openSession, type SessionOptions } from './session.js';

export interface VerifyOptions extends SessionOptions {
  readonly json?: boolean;
}

/** Files are hashed and looked up a few at a time: enough to hide latency, not enough to swamp a rebuilder. */
const PARALLEL_DEBS = 4;

export async function verifyCommand(debs: readonly string[], options: VerifyOptions, io: CliIo): Promise<number> {
  const runtime = await openSession(options, io);
  try {
    if (runtime.policy instanceof Error) {
      io.stderr(`reprogate: ${runtime.policy.message}\n`);
      return EXIT.usage;
    }
    const debug = debugLog(runtime.settings, io.stderr);
    const verdicts = await mapBounded(debs, PARALLEL_DEBS, async (deb): Promise<Verdict> => {
      const started = performance.now();
      const { verdict } = await checkDeb({ path: resolve(deb), origin: undefined }, runtime.context);
      debug?.(`${deb}: ${verdictDiagnostics(verdict, performance.now() - started)}`);
      return verdict;
    });
    // Logged in the order the files were named, not the order their checks finished, so
    // that `explain NAME=VERSION` ("the newest") does not depend on which was quicker.
    // The log is best effort here: a user without write access to it still gets the answer.
    for (const verdict of verdicts) await runtime.decisions.append(verdict).catch(() => undefined);
    const passed = verdicts.every(letThrough);
    if (options.json) {
      io.stdout(JSON.stringify({ accepted: passed, files: debs.map((d, i) => ({ file: d, verdict: verdicts[i] })) }, null, 2) + '\n');
    } else {
      for (const v of verdicts) (letThrough(v) ? io.stdout : io.stderr)(oneLine(v) + '\n');
    }
    return passed ? EXIT.ok : EXIT.finding;
  } finally {
    await runtime.close();
  }
}
