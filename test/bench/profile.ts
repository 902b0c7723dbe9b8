/**
 * The two sizes of the benchmark: the full run whose numbers go into
 * results.json, and the quick run CI uses to prove the benchmark still works
 * (`BENCH_QUICK=1`), which keeps every workload but shrinks it to finish in well
 * under two minutes and judges no time.
 */

export interface BenchProfile {
  readonly name: 'full' | 'quick';
  readonly w1: { readonly packages: number; readonly totalBytes: number; readonly minBytes: number; readonly maxBytes: number; readonly latencyMs: number; readonly runs: number };
  /** W1 again with apt's downloads held to a link speed (KiB/s, apt's Acquire::http::Dl-Limit); undefined: not run. */
  readonly w1Link: { readonly kibPerSecond: number; readonly runs: number } | undefined;
  /** `apt-get update` with nothing new, in W1's roots. */
  readonly update: { readonly runs: number };
  /** Undefined: the peer is not run. */
  readonly peer: { readonly packages: number; readonly runs: number } | undefined;
  readonly w2: { readonly packages: number; readonly bytes: number; readonly latencyMs: number; readonly runs: number };
  readonly w3: { readonly sizes: readonly number[]; readonly runs: number };
  readonly w4: { readonly debs: number; readonly totalBytes: number; readonly runs: number };
  readonly micro: { readonly durationMs: number; readonly startupRuns: number };
  readonly rebuilders: number;
  readonly threshold: number;
}

const KB = 1000;
const MB = 1000 * 1000;

export const FULL: BenchProfile = {
  name: 'full',
  w1: { packages: 200, totalBytes: 250 * MB, minBytes: 5 * KB, maxBytes: 30 * MB, latencyMs: 20, runs: 5 },
  // 100 Mbit/s: a loopback mirror is infinitely fast, so plain W1 measures CPU; this is what a download costs.
  w1Link: { kibPerSecond: 12_207, runs: 3 },
  update: { runs: 10 },
  peer: { packages: 20, runs: 3 },
  w2: { packages: 50, bytes: 8 * KB, latencyMs: 150, runs: 5 },
  w3: { sizes: [5 * MB, 50 * MB, 500 * MB], runs: 2 },
  w4: { debs: 500, totalBytes: 250 * MB, runs: 5 },
  micro: { durationMs: 2000, startupRuns: 10 },
  rebuilders: 3,
  threshold: 2,
};

export const QUICK: BenchProfile = {
  name: 'quick',
  w1: { packages: 20, totalBytes: 25 * MB, minBytes: 5 * KB, maxBytes: 10 * MB, latencyMs: 20, runs: 1 },
  w1Link: undefined,
  update: { runs: 1 },
  peer: undefined,
  w2: { packages: 50, bytes: 8 * KB, latencyMs: 150, runs: 1 },
  w3: { sizes: [5 * MB, 50 * MB], runs: 1 },
  w4: { debs: 50, totalBytes: 10 * MB, runs: 1 },
  micro: { durationMs: 300, startupRuns: 3 },
  rebuilders: 3,
  threshold: 2,
};
