/**
 * The soak at a size `npm test` can afford (200 packages), so the full one
 * (`npm run soak`, 2,000) keeps working. Needs the built method (`npm run build`).
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeSoak, runSoak } from './soak-run.js';

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

it('200 packages in one apt run, one of three rebuilders failing 20% of requests: every decision right, fds and memory flat', async () => {
  // Sampled more often than the full soak: a 200-package run lasts a few seconds.
  const report = await runSoak({ checkout: CHECKOUT, packages: 200, sampleEveryMs: 25 });
  console.log(describeSoak(report));
  expect(report.problems).toEqual([]);
  expect(report.decisions).toEqual({ ACCEPTED: 180, REFUSED_BELOW_THRESHOLD: 20 });
  expect(report.aptExitCode).toBe(100);
  // The faults happened and reached decisions: otherwise this would soak nothing.
  expect(report.front.unavailable).toBeGreaterThan(0);
  expect(report.front.resets).toBeGreaterThan(0);
  expect(report.flakyMisses).toBeGreaterThan(0);
}, 180_000);
