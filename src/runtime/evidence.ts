/**
 * Gathering the raw documents for one package from every rebuilder a rule
 * names, in parallel: an offline bundle first (`verify --attestations DIR`), then
 * the local cache (one read per package), then the network; results worth keeping
 * go back into the cache in one write per package.
 * Nothing here judges the bytes — `decide()` verifies them on every use, cached
 * or not.
 */
import type { AttestationCache, CachedLookups } from '../cache/index.js';
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

export interface CollectContext {
  readonly now: Date;
  readonly origin?: string | undefined;
  readonly signal?: AbortSignal;
  /**
   * The query's source package is a guess (lookups started before the .deb's control
   * fields were read). A "nothing found" for a guessed question is not remembered:
   * the cache keys entries by sha256, and the real question may have another answer.
   */
  readonly provisional?: boolean;
}

export async function collectEvidence(
  query: PackageQuery,
  rebuilders: readonly Rebuilder[],
  sources: EvidenceSources,
  context: CollectContext,
): Promise<Map<string, Evidence>> {
  const cached = await sources.cache?.getAll(query.sha256, context.now);
  const worthKeeping = new Map<string, LookupResult>();
  const entries = await Promise.all(
    rebuilders.map(async (r) => {
      const { evidence, keep } = await forRebuilder(query, r.name, cached, sources, context);
      if (keep) worthKeeping.set(r.name, evidence);
      return [r.name, evidence] as const;
    }),
  );
  await remember(query, worthKeeping, sources, context);
  return new Map(entries);
}

/** A provisional guess proved right: remember its lasting "nothing found" answers after all. */
export async function rememberMissing(query: PackageQuery, evidence: ReadonlyMap<string, Evidence>, sources: EvidenceSources, context: CollectContext): Promise<void> {
  const lasting = [...evidence].flatMap(([name, r]) =>
    r.status === 'missing' && !r.transient ? [[name, { status: 'missing', code: r.code, reason: r.reason, transient: false }] as const] : [],
  );
  await remember(query, new Map(lasting), sources, context);
}

/** One rebuilder's evidence, and whether it is a new answer the cache should keep. */
async function forRebuilder(
  query: PackageQuery,
  name: string,
  cached: CachedLookups | undefined,
  sources: EvidenceSources,
  context: CollectContext,
): Promise<{ evidence: LookupResult; keep: boolean }> {
  const bundled = await sources.bundle?.get(name)?.lookup(query, context.signal);
  if (bundled?.status === 'found') return { evidence: bundled, keep: false };

  const hit = cached?.(name);
  if (hit?.kind === 'found' && context.now.getTime() - hit.fetchedAt.getTime() <= sources.cacheMaxAgeMs) {
    return { evidence: { status: 'found', documents: hit.documents }, keep: false };
  }
  if (hit?.kind === 'missing') return { evidence: { status: 'missing', code: hit.code, reason: hit.reason, transient: hit.transient }, keep: false };

  const adapter = sources.adapters.get(name);
  if (!adapter) return { evidence: { status: 'missing', code: 'REBUILDER_UNKNOWN', reason: 'no adapter for this rebuilder', transient: false }, keep: false };
  const result: LookupResult = await adapter.lookup(query, context.signal);
  // Transient failures are not remembered: the next run should try again.
  return { evidence: result, keep: result.status === 'found' || (!result.transient && !context.provisional) };
}

/** Every answer worth keeping for one .deb, in one cache write. */
async function remember(query: PackageQuery, results: ReadonlyMap<string, LookupResult>, sources: EvidenceSources, context: CollectContext): Promise<void> {
  if (results.size === 0) return;
  await sources.cache
    ?.putAll(query.sha256, results, { now: context.now, ...(context.origin !== undefined ? { origin: context.origin } : {}) })
    .catch((e: unknown) => sources.onWarning?.(`cannot cache attestations of ${[...results.keys()].join(', ')}: ${e instanceof Error ? e.message : String(e)}`));
}
