/**
 * Assembling everything a verification needs from apt's configuration: the
 * policy (loaded once per process), an HTTP client that uses apt's proxy and CA
 * settings, one adapter per rebuilder, the cache and the offline bundle. The CLI,
 * the method and the hook each open one Runtime and close it when done.
 */
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { openCache, type AttestationCache } from '../cache/index.js';
import { createHttpClient, type HttpClient } from '../net/client.js';
import type { AptConfigView, Environment } from '../net/proxy.js';
import { loadPolicy, type Policy } from '../policy/index.js';
import { createAdapter, type RebuilderAdapter } from '../rebuilders/index.js';
import type { CheckContext } from './check-deb.js';
import { openDecisionLog, type DecisionLog } from './decision-log.js';
import { settingsFrom, type Settings } from './settings.js';

export interface RuntimeOptions {
  readonly config: AptConfigView;
  readonly env: Environment;
  readonly now: () => Date;
  /** No network at all: only the bundle and the cache. */
  readonly offline?: boolean;
  /** A folder in the layout `reprogate fetch --out` writes, read before anything else. */
  readonly bundleDir?: string;
  /** How long cached attestations are reused before asking the rebuilder again. */
  readonly cacheMaxAgeMs: number;
  /** Write new answers into the cache (the method does; a dry CLI run need not). */
  readonly cacheWrites?: boolean;
  readonly onWarning: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface Runtime {
  readonly settings: Settings;
  readonly policy: Policy | Error;
  readonly context: CheckContext;
  readonly http: HttpClient | undefined;
  /** `Reprogate::Log`, opened on the first decision. */
  readonly decisions: DecisionLog;
  close(): Promise<void>;
}

/** Attestations are reused for a day by default: rebuilders rarely change their minds, and fleets share caches. */
export const DEFAULT_CACHE_MAX_AGE_MS = 24 * 3600 * 1000;
/** "This rebuilder has nothing" is remembered for an hour, so a fleet does not hammer rebuilders. */
export const NEGATIVE_CACHE_TTL_MS = 3600 * 1000;

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const settings = settingsFrom(options.config);
  const policy = await loadPolicy(settings.policyFile, { readFile: (p) => readFile(p), now: options.now() }).catch((e: unknown) =>
    e instanceof Error ? e : new Error(String(e)),
  );

  const http = options.offline ? undefined : createHttpClient({ config: options.config, env: options.env, ...(await caOption(options.config)) });
  const adapters = new Map<string, RebuilderAdapter>();
  const bundle = new Map<string, RebuilderAdapter>();
  if (!(policy instanceof Error)) {
    for (const r of policy.rebuilders) {
      const url = r.type === 'directory' ? r.directory : r.url;
      adapters.set(r.name, createAdapter({ name: r.name, type: r.type, url }, http ? { http } : {}));
      if (options.bundleDir !== undefined) bundle.set(r.name, createAdapter({ name: r.name, type: 'directory', url: options.bundleDir }));
    }
  }
  const cache = await usableCache(settings.cacheDir, options.cacheWrites !== false);

  const context: CheckContext = {
    policy,
    now: options.now,
    ...(options.signal ? { signal: options.signal } : {}),
    sources: {
      adapters,
      ...(bundle.size > 0 ? { bundle } : {}),
      ...(cache ? { cache } : {}),
      cacheMaxAgeMs: options.cacheMaxAgeMs,
      onWarning: options.onWarning,
    },
  };
  const decisions = openDecisionLog(settings.logFile);
  return {
    settings,
    policy,
    context,
    http,
    decisions,
    close: async () => {
      await Promise.all([http?.close(), decisions.close()]);
    },
  };
}

/** `Acquire::https::CaInfo`: apt's own trust anchors for https apply to attestation fetches too. */
async function caOption(config: AptConfigView): Promise<{ ca?: string }> {
  const file = config.get('Acquire::https::CaInfo');
  if (file === undefined) return {};
  return { ca: await readFile(file, 'utf8') };
}

/**
 * The cache only if its folder exists and we may write it; otherwise work without
 * (a user running the CLI cannot write `_apt`'s cache, and should not need to).
 * When root writes, new entries go to the folder's owner, so `_apt` can replace them.
 */
async function usableCache(dir: string, writes: boolean): Promise<AttestationCache | undefined> {
  // The method (as `_apt`) may create its own cache folder; root never does, or `_apt`
  // could not write into it afterwards (the package creates it with the right owner).
  // Not recursive: the parent must exist (and Node's recursive mkdir can loop forever under /proc).
  if (writes && process.getuid?.() !== 0) await mkdir(dir, { mode: 0o755 }).catch(() => undefined);
  try {
    await access(dir, writes ? constants.R_OK | constants.W_OK : constants.R_OK);
    const info = await stat(dir);
    const owner = process.getuid?.() === 0 ? { owner: { uid: info.uid, gid: info.gid } } : {};
    const cache = openCache({ dir, negativeTtlMs: NEGATIVE_CACHE_TTL_MS, ...owner });
    if (writes) return cache;
    return { getAll: (sha, now) => cache.getAll(sha, now), get: (sha, r, now) => cache.get(sha, r, now), putAll: () => Promise.resolve(), put: () => Promise.resolve() };
  } catch {
    return undefined;
  }
}
