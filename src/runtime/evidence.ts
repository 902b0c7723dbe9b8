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
  const entries = await Promise.all(rebuilders.map(async (r) => [r.name, await forRebuilder(query, r.name, sources, context)] as const));
  return new Map(entries);
}

/** A provisional guess proved right: remember its lasting "nothing found" answers after all. */
export async function rememberMissing(query: PackageQuery, evidence: ReadonlyMap<string, Evidence>, sources: EvidenceSources, context: CollectContext): Promise<void> {
  for (const [name, result] of evidence) {
    if (result.status === 'missing' && !result.transient) await remember(query, name, result, sources, context);
  }
}

async function forRebuilder(query: PackageQuery, name: string, sources: EvidenceSources, context: CollectContext): Promise<Evidence> {
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
  if (result.status === 'found' || (!result.transient && !context.provisional)) await remember(query, name, result, sources, context);
  return result;
}

async function remember(query: PackageQuery, name: string, result: LookupResult, sources: EvidenceSources, context: CollectContext): Promise<void> {
  await sources.cache
    ?.put(query.sha256, name, result, { now: context.now, ...(context.origin !== undefined ? { origin: context.origin } : {}) })
    .catch((e: unknown) => sources.onWarning?.(`cannot cache attestations of ${name}: ${e instanceof Error ? e.message : String(e)}`));
}
