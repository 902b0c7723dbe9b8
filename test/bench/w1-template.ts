/**
 * W1, a template update: many packages from 5 kB to 30 MB, rebuilders 20 ms away,
 * `apt-get install --download-only` into empty caches with plain `http` and with
 * `reprogate+http` (threshold 2 of 3 over the rebuilderd API).
 *
 * W1-peer, on the same world: the first packages of W1 with plain `http`, with
 * `reprogate+http` reading the rebuilders' sources tree (the same links and keys
 * the peer reads), and with Debian's apt-transport-in-toto (`intoto://`).
 */
import { makeDir, type DebSpec, type Lab } from '../support/aptlab/index.js';
import type { BenchContext } from './context.js';
import { setupDownloadWorld, lookupFloor, series, type LookupFloor, type TimedSeries } from './download-world.js';
import { timeDownloads, timeUpdates, updateIndexes, type Contender } from './downloads.js';
import { createPeerRoot, ensurePeerInstalled, peerLogCleanup, peerVerifiedAll, reapStrays } from './peer.js';
import { seededShuffle, spreadSizes } from './sizes.js';
import { round } from './stats.js';
import { createMethodRoot, METHOD_SCHEME } from './world.js';

export interface W1Result {
  readonly packages: number;
  readonly totalBytes: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly rebuilderLatencyMs: number;
  readonly rebuilders: number;
  readonly threshold: number;
  readonly api: 'rebuilderd';
  readonly http: TimedSeries;
  readonly reprogate: TimedSeries;
  /** median(reprogate) / median(http). */
  readonly ratio: number;
  readonly addedMs: number;
  readonly floor: LookupFloor;
  /**
   * reprogate+http again, every attestation already in its cache (no rebuilder is
   * asked): the part of `addedMs` that hashing and verifying cost, the rest being the
   * lookups. Measured in the same interleaved runs as `http` and `reprogate`.
   */
  readonly cachedAttestations: { readonly reprogate: TimedSeries; readonly ratio: number; readonly addedMs: number };
  /** `apt-get update` in the same two roots with nothing new: only index files, which the method passes through. */
  readonly update: { readonly http: TimedSeries; readonly reprogate: TimedSeries; readonly ratio: number; readonly addedMs: number };
  /** The same downloads held to a link speed in both roots (apt's Acquire::http::Dl-Limit). */
  readonly atLinkSpeed?: {
    readonly kibPerSecond: number;
    readonly http: TimedSeries;
    readonly reprogate: TimedSeries;
    readonly ratio: number;
    readonly addedMs: number;
  };
}

export interface PeerResult {
  readonly packages: number;
  readonly totalBytes: number;
  readonly api: 'sources';
  readonly http: TimedSeries;
  readonly reprogate: TimedSeries;
  readonly intoto: TimedSeries;
  /** (median(x) − median(http)) / packages. */
  readonly reprogateAddedMsPerPackage: number;
  readonly intotoAddedMsPerPackage: number;
  /** intoto's added time per package divided by ours. */
  readonly advantage: number;
  /** The same three downloading only the first package: what every apt run costs whatever its size. */
  readonly onePackage: { readonly http: TimedSeries; readonly reprogate: TimedSeries; readonly intoto: TimedSeries };
  /**
   * Added time per further package, the fixed per-run cost left out:
   * ((T_n − T_1) − (http_n − http_1)) / (n − 1).
   */
  readonly marginalMsPerPackage: { readonly reprogate: number; readonly intoto: number };
}

/** W1's packages: names in order, sizes shuffled so that any prefix holds a mix. */
export function w1Specs(ctx: BenchContext): DebSpec[] {
  const { packages, minBytes, maxBytes, totalBytes } = ctx.profile.w1;
  const sizes = seededShuffle(spreadSizes(packages, minBytes, maxBytes, totalBytes), 0x5eed);
  return sizes.map((sizeBytes, i) => ({ name: `bench-pkg${String(i + 1).padStart(3, '0')}`, version: '1.0-1', architecture: 'all', sizeBytes }));
}

export async function runW1(lab: Lab, ctx: BenchContext): Promise<{ w1: W1Result; peer: PeerResult | undefined }> {
  const { profile, progress } = ctx;
  const specs = w1Specs(ctx);
  progress(`W1: building ${specs.length} packages…`);
  const world = await setupDownloadWorld(lab, ctx, 'w1', specs, profile.w1.latencyMs);
  const names = specs.map((s) => s.name);
  const bytes = world.mirror.debs.reduce((a, d) => a + d.size, 0);
  progress(`W1: ${names.length} packages, ${(bytes / 1e6).toFixed(0)} MB, rebuilders +${profile.w1.latencyMs} ms`);
  const cached = await world.cachedContender('w1-cached');
  const times = await timeDownloads([world.plain, world.reprogate, cached], names, profile.w1.runs, { timeoutMs: 600_000, progress });
  const http = series(times.get('http'));
  const reprogate = series(times.get('reprogate+http'));
  const reprogateCached = series(times.get(cached.label));
  progress(`apt-get update with nothing new, in W1's roots`);
  const updateTimes = await timeUpdates([world.plain, world.reprogate], profile.update.runs, { timeoutMs: 120_000, progress });
  const updateHttp = series(updateTimes.get('http'));
  const updateOurs = series(updateTimes.get('reprogate+http'));
  let atLinkSpeed: W1Result['atLinkSpeed'];
  if (profile.w1Link !== undefined) {
    const { kibPerSecond, runs } = profile.w1Link;
    progress(`W1 at ${((kibPerSecond * 1024 * 8) / 1e6).toFixed(0)} Mbit/s (Acquire::http::Dl-Limit ${kibPerSecond} in both roots)`);
    // apt's http method reads its options under the scheme it runs as, and ours runs it as reprogate+http.
    const limit = String(kibPerSecond);
    const link = await world.contendersWith('w1-link', { 'Acquire::http::Dl-Limit': limit, [`Acquire::${METHOD_SCHEME}::Dl-Limit`]: limit });
    const linkTimes = await timeDownloads([link.plain, link.reprogate], names, runs, { timeoutMs: 900_000, progress });
    const linkHttp = series(linkTimes.get('http'));
    const linkOurs = series(linkTimes.get('reprogate+http'));
    atLinkSpeed = { kibPerSecond, http: linkHttp, reprogate: linkOurs, ratio: round(linkOurs.medianMs / linkHttp.medianMs, 3), addedMs: round(linkOurs.medianMs - linkHttp.medianMs) };
  }
  const w1: W1Result = {
    packages: names.length,
    totalBytes: bytes,
    minBytes: Math.min(...world.mirror.debs.map((d) => d.size)),
    maxBytes: Math.max(...world.mirror.debs.map((d) => d.size)),
    rebuilderLatencyMs: profile.w1.latencyMs,
    rebuilders: profile.rebuilders,
    threshold: profile.threshold,
    api: 'rebuilderd',
    http,
    reprogate,
    ratio: round(reprogate.medianMs / http.medianMs, 3),
    addedMs: round(reprogate.medianMs - http.medianMs),
    floor: lookupFloor(ctx, world.pipelineDepth, names.length, 2, profile.w1.latencyMs),
    update: { http: updateHttp, reprogate: updateOurs, ratio: round(updateOurs.medianMs / updateHttp.medianMs, 3), addedMs: round(updateOurs.medianMs - updateHttp.medianMs) },
    cachedAttestations: {
      reprogate: reprogateCached,
      ratio: round(reprogateCached.medianMs / http.medianMs, 3),
      addedMs: round(reprogateCached.medianMs - http.medianMs),
    },
    ...(atLinkSpeed === undefined ? {} : { atLinkSpeed }),
  };

  if (profile.peer === undefined) return { w1, peer: undefined };
  await ensurePeerInstalled(progress);
  const subset = names.slice(0, profile.peer.packages);
  const subsetBytes = world.mirror.debs.slice(0, subset.length).reduce((a, d) => a + d.size, 0);
  progress(`W1-peer: ${subset.length} packages (${(subsetBytes / 1e6).toFixed(1)} MB): http, reprogate+http (sources tree), intoto`);
  const sourcesPolicy = await world.farm.writePolicy(await makeDir(lab.path('w1', 'policy-sources')), 'sources', profile.threshold);
  const ours = await createMethodRoot(lab.path('w1', 'reprogate-sources'), world.mirror, ctx, sourcesPolicy);
  const peerRoot = await createPeerRoot(lab, lab.path('w1', 'intoto'), world.mirror, world.farm, profile.threshold, ctx.aptConfig);
  const removePeerLog = peerLogCleanup();
  lab.defer(removePeerLog);
  lab.defer(async () => void (await reapStrays(peerRoot.methodsDir)));
  const reprogateSources: Contender = { label: 'reprogate+http', root: ours.root, reset: () => ours.reset() };
  const intoto: Contender = {
    label: 'intoto',
    root: peerRoot,
    checkStderr: peerVerifiedAll,
    after: async () => {
      const reaped = await reapStrays(peerRoot.methodsDir);
      if (reaped > 0) progress(`  (killed ${reaped} intoto/http processes left running after apt exited)`);
    },
  };
  for (const c of [reprogateSources, intoto]) await updateIndexes(c);
  const peerTimes = await timeDownloads([world.plain, reprogateSources, intoto], subset, profile.peer.runs, { timeoutMs: 900_000, progress });
  const p = { http: series(peerTimes.get('http')), reprogate: series(peerTimes.get('reprogate+http')), intoto: series(peerTimes.get('intoto')) };
  progress(`W1-peer: the first package alone, for the fixed cost of an apt run`);
  const oneTimes = await timeDownloads([world.plain, reprogateSources, intoto], subset.slice(0, 1), profile.peer.runs, { timeoutMs: 900_000, progress });
  const one = { http: series(oneTimes.get('http')), reprogate: series(oneTimes.get('reprogate+http')), intoto: series(oneTimes.get('intoto')) };
  const perPackage = (s: TimedSeries): number => round((s.medianMs - p.http.medianMs) / subset.length, 2);
  const marginal = (n: TimedSeries, first: TimedSeries): number =>
    subset.length < 2 ? Number.NaN : round((n.medianMs - first.medianMs - (p.http.medianMs - one.http.medianMs)) / (subset.length - 1), 2);
  const reprogateAdded = perPackage(p.reprogate);
  const intotoAdded = perPackage(p.intoto);
  return {
    w1,
    peer: {
      packages: subset.length,
      totalBytes: subsetBytes,
      api: 'sources',
      ...p,
      reprogateAddedMsPerPackage: reprogateAdded,
      intotoAddedMsPerPackage: intotoAdded,
      advantage: round(intotoAdded / Math.max(reprogateAdded, 0.01), 1),
      onePackage: one,
      marginalMsPerPackage: { reprogate: marginal(p.reprogate, one.reprogate), intoto: marginal(p.intoto, one.intoto) },
    },
  };
}
