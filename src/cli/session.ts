/**
 * One CLI run's runtime: apt's configuration (plus `--policy` and `-o`), the
 * policy, the network and the cache, opened once and closed at the end.
 */
import { resolve } from 'node:path';
import { showNodeWarnings } from '../node-warnings.js';
import { debugLog, runDiagnostics } from '../runtime/diagnostics.js';
import { DEFAULT_CACHE_MAX_AGE_MS, openRuntime, type Runtime } from '../runtime/runtime.js';
import { settingsFrom } from '../runtime/settings.js';
import { readAptConfig } from './apt-config.js';
import type { CliIo } from './io.js';

export interface SessionOptions {
  readonly policy?: string;
  readonly option?: readonly string[];
  readonly offline?: boolean;
  readonly attestations?: string;
}

export async function openSession(options: SessionOptions, io: CliIo): Promise<Runtime> {
  const extra = options.policy !== undefined ? [`Reprogate::Policy=${resolve(options.policy)}`] : [];
  const config = await readAptConfig([...(options.option ?? []), ...extra]);
  const debug = debugLog(settingsFrom(config), io.stderr);
  if (debug) showNodeWarnings();
  const runtime = await openRuntime({
    config,
    env: io.env,
    now: io.now,
    ...(options.offline ? { offline: true } : {}),
    ...(options.attestations !== undefined ? { bundleDir: resolve(options.attestations) } : {}),
    cacheMaxAgeMs: DEFAULT_CACHE_MAX_AGE_MS,
    onWarning: (m) => io.stderr(`reprogate: warning: ${m}\n`),
  });
  if (debug) for (const line of runDiagnostics(runtime.settings, runtime.policy)) debug(line);
  return runtime;
}
