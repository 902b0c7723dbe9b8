/**
 * The machine's apt configuration for the CLI, so that `reprogate verify` reaches
 * rebuilders the way apt would (a Qubes template has no network but apt's proxy).
 * Read with `apt-config dump` (which honours APT_CONFIG and apt.conf.d), with
 * `-o Key=Value` options applied on top, as apt-get applies them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AptConfig } from '../apt/index.js';
import { UsageError } from './errors.js';

const run = promisify(execFile);

export function parseOption(option: string): readonly [string, string] {
  const eq = option.indexOf('=');
  if (eq <= 0) throw new UsageError(`-o expects Key=Value, got ${JSON.stringify(option)}`);
  return [option.slice(0, eq), option.slice(eq + 1)];
}

/** `Key "value";` lines as `apt-config dump` prints them. */
export function parseDump(text: string): Array<readonly [string, string]> {
  const items: Array<readonly [string, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) "(.*)";$/.exec(line);
    if (m) items.push([m[1]!.replace(/::$/, ''), m[2]!]);
  }
  return items;
}

export async function readAptConfig(options: readonly string[]): Promise<AptConfig> {
  const overrides = options.map(parseOption);
  let dumped: Array<readonly [string, string]> = [];
  try {
    const { stdout } = await run('apt-config', ['dump', ...options.flatMap((o) => ['-o', o])], { maxBuffer: 16 * 1024 * 1024 });
    dumped = parseDump(stdout);
  } catch {
    // No apt here (a build host): only the options given on the command line apply.
  }
  return AptConfig.fromItems([...dumped, ...overrides]);
}
