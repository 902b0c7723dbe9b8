/**
 * "Did you mean …" for misspelled field names (`treshold`, `on_conflict`,
 * `Rebuilders`): a typo must be an error, and the error should say the fix.
 */

/** The known name closest to `written`, if it is close enough to be a plausible typo. */
export function closestName(written: string, known: readonly string[]): string | undefined {
  const normalised = normalise(written);
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const candidate = normalise(name);
    const distance = editDistance(normalised, candidate);
    const plausible =
      distance <= (candidate.length >= 5 ? 2 : 1) ||
      (normalised.length >= 3 && (candidate.startsWith(normalised) || normalised.startsWith(candidate)));
    if (plausible && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Case and `_`/`-` slips are the commonest; compare past them. */
function normalise(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (`threhsold`). */
function editDistance(a: string, b: string): number {
  // Field names are short; a name hundreds of characters long is no typo of ours.
  if (Math.abs(a.length - b.length) > 3 || a.length > 64) return Number.POSITIVE_INFINITY;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
