/**
 * Runs a list of tasks with at most `limit` running at once and keeps the results in
 * input order: one rebuilder's follow-up requests (several builds of one package) go
 * out together without flooding it. The HTTP client adds its own limits per host and
 * overall; this one keeps a single lookup from taking all of them.
 *
 * Tasks must not reject; wrap failures into the result type.
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
