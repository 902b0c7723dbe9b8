/**
 * Every fuzz target with a small number of cases, so that `npm test` exercises them
 * all; `npm run fuzz` runs the same targets at 100 000 cases each (see README.md).
 * FUZZ_RUNS and FUZZ_SEED override the count and the seed here too.
 */
import { describe, it } from 'vitest';
import { TARGETS } from './targets.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 500);
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);

describe('fuzz targets', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.description}`, async () => {
      await target.fuzz({ numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
    });
  }
});
