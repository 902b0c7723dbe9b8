/**
 * Package sizes for the benchmark worlds: a spread from a few kilobytes to tens of
 * megabytes that adds up to a chosen total, the way a Debian template's packages do
 * (most are small, a few are very large), and a seeded shuffle so that package names
 * and sizes are not sorted together ("the first 20 packages" then hold a mix).
 *
 * PURE and deterministic: the same arguments give the same sizes on every machine,
 * so results from two machines compare like with like.
 */

/**
 * `count` sizes from `minBytes` to `maxBytes` (both included once `count` ≥ 2),
 * ascending, summing to about `totalBytes`.
 *
 * size(i) = min · (max/min)^(t^γ) with t = i/(count−1): γ = 1 is a geometric
 * spread; a larger γ keeps more packages small. γ is found by bisection, because
 * the total falls as γ grows. A total outside what the spread can reach gives the
 * nearest reachable spread.
 */
export function spreadSizes(count: number, minBytes: number, maxBytes: number, totalBytes: number): number[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  if (!(minBytes > 0 && maxBytes >= minBytes)) throw new RangeError('sizes need 0 < minBytes <= maxBytes');
  if (count === 1) return [Math.round(Math.min(maxBytes, Math.max(minBytes, totalBytes)))];
  const at = (gamma: number): number[] =>
    Array.from({ length: count }, (_, i) => Math.round(minBytes * (maxBytes / minBytes) ** ((i / (count - 1)) ** gamma)));
  const total = (gamma: number): number => at(gamma).reduce((a, b) => a + b, 0);
  let low = 1e-3; // almost every package at maxBytes: the largest total
  let high = 1e3; // almost every package at minBytes: the smallest total
  for (let step = 0; step < 200; step++) {
    const mid = Math.sqrt(low * high);
    if (total(mid) > totalBytes) low = mid;
    else high = mid;
  }
  return at(Math.sqrt(low * high));
}

/** A copy of `items` in an order fixed by `seed` (Fisher–Yates with mulberry32). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
