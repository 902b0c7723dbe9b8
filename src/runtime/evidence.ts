/**
 * Gathering the raw documents for one package from every rebuilder a rule
 * names, in parallel: an offline bundle first (`verify --attestations DIR`), then
 * the local cache, then the network; results worth keeping go back into the cache.
 * Nothing here judges the bytes — `decide()` verifies them on every use, cached
 * or not.
 */
import type { AttestationCache } from '../cache/index.js';
import type { Rebuilder } from '../policy/index.js';
import type { LookupResult, PackageQuery, RebuilderAdapter } from '../rebuilders/index.js';
import type { Evidence } from '../verify/index.js';

export interface EvidenceSources {
  /** One adapter per policy rebuilder, by name (network adapters answer OFFLINE when the network is off). */
  readonly adapters: ReadonlyMap<string, RebuilderAdapter>;
  /** Adapters reading an offline bundle, by rebuilder name; consulted before anything else. */
  readonly bundle?: ReadonlyMap<string, RebuilderAdapter>;
  readonly cache?: AttestationCache;
  /** How long a cached positive answer is reused; `Infinity` for the pre-install hook. */
  readonly cacheMaxAgeMs: number;
  /** Called for problems that do not change the decision (a cache write that failed). */
  readonly onWarning?: (message: string) => void;
}

export async function collectEvidence(
  query: PackageQuery,
  rebuilders: readonly Rebuilder[],
  sources: EvidenceSources,
  context: { now: Date; origin?: string | undefined; signal?: AbortSignal },
): Promise<Map<string, Evidence>> {
  const entries = await Promise.all(rebuilders.map(async (r) => [r.name, await forRebuilder(query, r.name, sources, context)] as const));
  return new Map(entries);
}

async function forRebuilder(
  query: PackageQuery,
  name: string,
  sources: EvidenceSources,
  context: { now: Date; origin?: string | undefined; signal?: AbortSignal },
): Promise<Evidence> {
  const bundled = await sources.bundle?.get(name)?.lookup(query, context.signal);
  if (bundled?.status === 'found') return bundled;

  const cached = await sources.cache?.get(query.sha256, name, context.now);
  if (cached?.kind === 'found' && context.now.getTime() - cached.fetchedAt.getTime() <= sources.cacheMaxAgeMs) {
    return { status: 'found', documents: cached.documents };
  }
  if (cached?.kind === 'missing') return { status: 'missing', code: cached.code, reason: cached.reason, transient: cached.transient };

  const adapter = sources.adapters.get(name);
  if (!adapter) return { status: 'missing', code: 'REBUILDER_UNKNOWN', reason: 'no adapter for this rebuilder', transient: false };
  const result: LookupResult = await adapter.lookup(query, context.signal);
  // Transient failures are not remembered: the next run should try again.
  if (sources.cache && (result.status === 'found' || !result.transient)) {
    await sources.cache
      .put(query.sha256, name, result, { now: context.now, ...(context.origin !== undefined ? { origin: context.origin } : {}) })
      .catch((e: unknown) => sources.onWarning?.(`cannot cache attestations of ${name}: ${e instanceof Error ? e.message : String(e)}`));
  }
  return result;
}
