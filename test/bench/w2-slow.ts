/**
 * W2, the slow path: many small packages while every rebuilder answers only after
 * 150 ms, so the time reprogate adds is almost all lookup latency — the case apt's
 * pipelining window bounds (see the floor next to the result).
 */
import type { Lab } from '../support/aptlab/index.js';
import type { BenchContext } from './context.js';
import { lookupFloor, series, setupDownloadWorld, type LookupFloor, type TimedSeries } from './download-world.js';
import { timeDownloads } from './downloads.js';
import { round } from './stats.js';

export interface W2Result {
  readonly packages: number;
  readonly bytesPerPackage: number;
  readonly rebuilderLatencyMs: number;
  readonly http: TimedSeries;
  readonly reprogate: TimedSeries;
  readonly addedMs: number;
  readonly ratio: number;
  readonly floor: LookupFloor;
}

export async function runW2(lab: Lab, ctx: BenchContext): Promise<W2Result> {
  const { packages, bytes, latencyMs, runs } = ctx.profile.w2;
  const specs = Array.from({ length: packages }, (_, i) => ({
    name: `slow-pkg${String(i + 1).padStart(3, '0')}`,
    version: '1.0-1',
    architecture: 'all' as const,
    sizeBytes: bytes,
  }));
  ctx.progress(`W2: ${packages} packages of ${bytes / 1000} kB, rebuilders +${latencyMs} ms`);
  const world = await setupDownloadWorld(lab, ctx, 'w2', specs, latencyMs);
  const times = await timeDownloads([world.plain, world.reprogate], specs.map((s) => s.name), runs, { timeoutMs: 600_000, progress: ctx.progress });
  const http = series(times.get('http'));
  const reprogate = series(times.get('reprogate+http'));
  return {
    packages,
    bytesPerPackage: bytes,
    rebuilderLatencyMs: latencyMs,
    http,
    reprogate,
    addedMs: round(reprogate.medianMs - http.medianMs),
    ratio: round(reprogate.medianMs / http.medianMs, 3),
    floor: lookupFloor(ctx, world.pipelineDepth, packages, 2, latencyMs),
  };
}
