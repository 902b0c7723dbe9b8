/**
 * Real documents the fuzz targets start from, read in place from the project's own
 * fixtures: in-toto-run links, layouts and keys (test/vectors/in-toto-run/), apt
 * captures (test/unit/apt/golden/, test/unit/hook/golden/), the shipped policy
 * examples. Nothing here is copied from ../shared/vectors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * The checkout, found from the working directory rather than from this file's URL:
 * run.ts is bundled into node_modules/.cache/ before it runs, and both npm and vitest
 * run from the checkout.
 */
const ROOT = pathToFileURL(`${process.cwd()}/`);
if (!existsSync(new URL('test/fuzz/seeds.ts', ROOT))) {
  throw new Error(`the fuzz targets read their seeds from the checkout; run them from its top folder, not ${process.cwd()}`);
}

export function projectFile(relative: string): Buffer {
  return readFileSync(new URL(relative, ROOT));
}

/** Every file of a project folder whose name ends with `suffix`, sorted by name. */
export function projectFiles(folder: string, suffix: string): Buffer[] {
  const dir = new URL(folder.endsWith('/') ? folder : `${folder}/`, ROOT);
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => readFileSync(new URL(name, dir)));
}

/** `now` for the in-toto-run fixtures: after their revocations, before their layouts expire. */
export const FIXTURE_NOW = new Date('2026-11-25T12:00:00Z');
