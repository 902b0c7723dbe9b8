/**
 * The repository origin the method recorded for a sha256 when it fetched the
 * attestations (the cache keeps it next to the documents). The hook uses it so
 * that origin rules judge a cached .deb exactly as the method did.
 */
import type { Runtime } from './runtime.js';

export async function recordedOrigin(runtime: Runtime, sha256: string, now: Date): Promise<string | undefined> {
  const { policy, context } = runtime;
  const cache = context.sources.cache;
  if (policy instanceof Error || !cache) return undefined;
  const cached = await cache.getAll(sha256, now);
  for (const r of policy.rebuilders) {
    const entry = cached(r.name);
    if (entry.kind !== 'miss' && entry.origin !== undefined) return entry.origin;
  }
  return undefined;
}
