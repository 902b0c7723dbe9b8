/**
 * Runs a list of tasks with at most `limit` running at once and keeps the results in
 * input order: a rebuilder's follow-up requests, the .debs of a `verify` run, the
 * packages of a hook run. Enough in flight to hide latency, never a flood. The HTTP
 * client adds its own limits per host and overall.
 *
 * A rejected task rejects the whole map (the others still run to completion).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
