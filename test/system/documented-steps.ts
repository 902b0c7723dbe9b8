/**
 * The shell steps of a how-to page, run exactly as printed, so the page and its
 * test cannot drift apart. A step is a fenced `sh` block whose first line is
 * `# step: <name>`; other blocks (examples, output) are only prose.
 *
 * Each step runs under `sh -eu` with the environment the caller gives (the page
 * says which variables it expects), from a working directory the caller chooses.
 *
 * Deliberately not here: what the steps do, or any check of their results.
 */
import { readFile } from 'node:fs/promises';

import { runCommand, type CommandResult } from '../support/aptlab/index.js';

const STEP_BLOCK = /^```sh\n# step: ([a-z-]+)\n([\s\S]*?)^```$/gm;

/** The named steps of `markdownFile`, in page order. */
export async function documentedSteps(markdownFile: string): Promise<ReadonlyMap<string, string>> {
  const text = await readFile(markdownFile, 'utf8');
  const steps = new Map<string, string>();
  for (const [, name, body] of text.matchAll(STEP_BLOCK)) {
    if (steps.has(name!)) throw new Error(`${markdownFile}: two steps are named ${name}`);
    steps.set(name!, body!);
  }
  return steps;
}

export function runStep(
  script: string,
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd: string; readonly timeoutMs: number },
): Promise<CommandResult> {
  return runCommand('sh', ['-eu', '-c', script], options);
}
