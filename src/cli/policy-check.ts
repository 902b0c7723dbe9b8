/**
 * `reprogate policy check [FILE]`: validate a policy with every file it names and
 * print what it means. Exit 0 when usable, 2 with the exact problem otherwise.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describePolicy, loadPolicy } from '../policy/index.js';
import { settingsFrom } from '../runtime/settings.js';
import { readAptConfig } from './apt-config.js';
import { EXIT } from './errors.js';
import type { CliIo } from './io.js';

export async function policyCheckCommand(file: string | undefined, options: { option?: readonly string[] }, io: CliIo): Promise<number> {
  const path = file !== undefined ? resolve(file) : settingsFrom(await readAptConfig(options.option ?? [])).policyFile;
  try {
    const policy = await loadPolicy(path, { readFile: (p) => readFile(p), now: io.now() });
    io.stdout(describePolicy(policy, io.now()));
    return EXIT.ok;
  } catch (e) {
    io.stderr(`reprogate: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
}
