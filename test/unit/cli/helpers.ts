/**
 * What the CLI command tests share: a CliIo that records what was printed, and a
 * throwaway apt configuration file (APT_CONFIG) that points apt's directories into
 * a temporary root, so the machine's /etc/apt and /var/lib are never read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../../src/cli/io.js';

export interface RecordingIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

export function recordingIo(options: { isTTY?: boolean; now?: Date } = {}): RecordingIo {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env: {},
    now: () => options.now ?? new Date(),
    isTTY: options.isTTY ?? false,
    out: () => out,
    err: () => err,
  };
}

/**
 * `<root>/apt.conf` setting Dir to the root (so sources, lists and the dpkg status
 * file are looked up below it) plus `items`; returns its path for APT_CONFIG.
 */
export function aptRoot(root: string, items: Record<string, string> = {}): string {
  for (const dir of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'var/lib/apt/lists/partial', 'var/lib/dpkg']) mkdirSync(join(root, dir), { recursive: true });
  const conf = join(root, 'apt.conf');
  const lines = [`Dir "${root}/";`, `Dir::State::status "${root}/var/lib/dpkg/status";`, ...Object.entries(items).map(([k, v]) => `${k} "${v}";`)];
  writeFileSync(conf, lines.join('\n') + '\n');
  return conf;
}
