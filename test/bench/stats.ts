/**
 * The arithmetic of the report: medians, ratios, and the latency floor that
 * apt's pipelining puts under any per-package lookup.
 *
 * PURE. No clock, no I/O.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The least time lookups can add to a download when each package needs
 * `roundTrips` sequential requests of `rttMs` and at most `window` packages are
 * looked up at once: apt hands a pipelined method `Acquire::Max-Pipeline-Depth`
 * (default 10) items and sends the next only when one is answered, and the HTTP
 * client may allow fewer requests per rebuilder than that. Rebuilders are asked in
 * parallel, so their number does not appear.
 */
export function lookupFloorMs(items: number, roundTrips: number, rttMs: number, window: number): number {
  if (window < 1) throw new RangeError('window must be at least 1');
  return (items * roundTrips * rttMs) / window;
}

/** Rounded for tables and JSON: a benchmark's noise is far above a tenth of a millisecond. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
