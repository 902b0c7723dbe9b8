/**
 * `npm run soak`: the full soak of the apt method (issue 7 part 4), by default
 * 2,000 packages in one apt run (`SOAK_PACKAGES` to change). Prints the numbers
 * and every problem found; exits 1 if there was any.
 *
 * Runs as a bundle from node_modules/.cache, so the checkout is the working
 * directory npm gives a script (the package root), not this file's location.
 */
import { describeSoak, runSoak } from './soak-run.js';

const packages = Number(process.env['SOAK_PACKAGES'] ?? '2000');
if (!Number.isInteger(packages) || packages < 10) {
  console.error(`SOAK_PACKAGES must be an integer of at least 10, got ${JSON.stringify(process.env['SOAK_PACKAGES'])}`);
  process.exit(2);
}
const report = await runSoak({ checkout: process.cwd(), packages, progress: (line) => console.log(`soak: ${line}`) });
console.log(describeSoak(report));
process.exitCode = report.problems.length === 0 ? 0 : 1;
