/**
 * `reprogate enable [--dry-run]` and `reprogate disable [--dry-run]`: switch every
 * sources file apt reads (one-line and deb822, found through apt's own
 * `Dir::Etc::sourcelist` / `Dir::Etc::sourceparts`, so `APT_CONFIG` and `-o` apply)
 * between `http(s)://` and `reprogate+http(s)://`, and say exactly what changed:
 * each URI with its file and line, the backup, and the URIs left alone.
 *
 * Enabling also says what would make the switched sources fail or do nothing:
 * methods apt cannot find under `Dir::Bin::Methods` (apt-get update would fail),
 * a policy in audit mode (nothing is refused yet), a policy that does not load
 * (apt would refuse every package).
 *
 * Deliberately not here: the rewriting and the writing (src/sources/), and running
 * apt afterwards.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AptConfig } from '../apt/index.js';
import { loadPolicy } from '../policy/index.js';
import { settingsFrom } from '../runtime/settings.js';
import { REPROGATE_PREFIX, sourcesLocations, switchSources, type SourcesDirection, type SourcesFileResult, type SwitchSourcesResult } from '../sources/index.js';
import { readAptConfig } from './apt-config.js';
import { EXIT } from './errors.js';
import type { CliIo } from './io.js';

export interface SwitchCommandOptions {
  readonly dryRun?: boolean;
  readonly option?: readonly string[];
}

/** The method names `enable` makes apt look for. */
export const METHOD_NAMES = [`${REPROGATE_PREFIX}http`, `${REPROGATE_PREFIX}https`] as const;

export function enableCommand(options: SwitchCommandOptions, io: CliIo): Promise<number> {
  return switchCommand('enable', options, io);
}

export function disableCommand(options: SwitchCommandOptions, io: CliIo): Promise<number> {
  return switchCommand('disable', options, io);
}

/** SourcesError (and any other failure) propagates: the program prints it with its code and exits 2. */
async function switchCommand(direction: SourcesDirection, options: SwitchCommandOptions, io: CliIo): Promise<number> {
  const config = await readAptConfig(options.option ?? []);
  const locations = sourcesLocations(config);
  const result = await switchSources(direction, { dryRun: options.dryRun ?? false, locations });
  io.stdout(describeSwitch(result, `${locations.sourceList} and ${locations.sourceParts}`));
  if (direction === 'enable') {
    for (const note of await enableReminders(config, io.now())) io.stderr(`reprogate: ${note}\n`);
  }
  return EXIT.ok;
}

/** What `enable`/`disable` did (or would do), for people. Pure. */
export function describeSwitch(result: SwitchSourcesResult, where: string): string {
  const would = result.dryRun;
  const lines: string[] = [];
  if (result.files.length === 0) lines.push(`no sources files in ${where}`);
  const changed = result.files.filter((f) => f.changes.length > 0);
  for (const file of changed) {
    for (const change of file.changes) {
      const skipped = change.enabled ? '' : ' (stanza has Enabled: no)';
      lines.push(`${file.path}:${change.line}: ${change.oldUri} -> ${change.newUri}${skipped}`);
    }
    const backup = describeBackup(file);
    if (backup !== undefined) lines.push(backup);
  }
  for (const file of result.files) {
    for (const kept of file.kept) {
      const skipped = kept.enabled ? '' : ', stanza has Enabled: no';
      lines.push(
        `${file.path}:${kept.line}: left alone: ${kept.uri} (apt fetches ${kept.scheme}: without reprogate's method; its packages meet only the pre-install hook${skipped})`,
      );
    }
  }
  const uris = changed.reduce((n, f) => n + f.changes.length, 0);
  if (uris === 0) {
    const state = result.direction === 'enable' ? `already ${REPROGATE_PREFIX}http(s)` : 'already plain http(s)';
    lines.push(`nothing to change: every http(s) source is ${state}`);
  } else {
    const counted = `${plural(uris, 'URI')} in ${plural(changed.length, 'file')}`;
    lines.push(would ? `dry run: would switch ${counted}; nothing was written` : `switched ${counted}`);
  }
  return lines.join('\n') + '\n';
}

function describeBackup(file: SourcesFileResult): string | undefined {
  const backup = file.backup;
  if (backup === undefined) return undefined;
  switch (backup.state) {
    case 'created':
      return `  backup of ${file.path}: ${backup.path}`;
    case 'existing':
      return `  backup of ${file.path}: ${backup.path} (kept from an earlier run: it holds the file as it was before reprogate first changed it)`;
    case 'planned':
      return `  backup of ${file.path} would be written to ${backup.path}`;
  }
}

/**
 * What an admin must know right after switching to reprogate+http(s): the reasons
 * apt would fail, refuse everything, or refuse nothing.
 */
async function enableReminders(config: AptConfig, now: Date): Promise<string[]> {
  const notes: string[] = [];
  const methods = config.findDir('Dir::Bin::Methods', '/usr/lib/apt/methods/');
  const missing: string[] = [];
  for (const name of METHOD_NAMES) {
    if (!(await access(join(methods, name)).then(() => true, () => false))) missing.push(name);
  }
  if (missing.length > 0) {
    notes.push(
      `warning: apt has no ${missing.join(' or ')} method in ${methods}: apt-get update fails on the switched sources until reprogate's methods are installed there (or run 'reprogate disable')`,
    );
  }
  const policyFile = settingsFrom(config).policyFile;
  try {
    const policy = await loadPolicy(policyFile, { readFile: (p) => readFile(p), now });
    if (policy.mode === 'audit') {
      notes.push(
        `note: the policy ${policyFile} is in audit mode: packages are checked and logged (and warned about), but nothing is refused until it says "mode: enforce"`,
      );
    }
  } catch (e) {
    notes.push(`warning: the policy does not load, so apt will refuse every package from the switched sources: ${(e as Error).message}`);
  }
  return notes;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
