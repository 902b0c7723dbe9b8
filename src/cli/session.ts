/**
 * One CLI run's runtime: apt's configuration (plus `--policy` and `-o`), the
 * policy, the network and the cache, opened once and closed at the end.
 */
import { resolve } from 'node:path';
import { DEFAULT_CACHE_MAX_AGE_MS, openRuntime, type Runtime } from '../runtime/runtime.js';
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
  return openRuntime({
    config,
    env: io.env,
    now: io.now,
    ...(options.offline ? { offline: true } : {}),
    ...(options.attestations !== undefined ? { bundleDir: resolve(options.attestations) } : {}),
    cacheMaxAgeMs: DEFAULT_CACHE_MAX_AGE_MS,
    onWarning: (m) => io.stderr(`reprogate: warning: ${m}\n`),
  });
}
