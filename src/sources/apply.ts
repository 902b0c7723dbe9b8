/**
 * `reprogate enable` / `disable` on the file system: finds the sources files apt reads,
 * switches their URIs (pure rewriters), keeps one backup of each changed file, and
 * replaces each file atomically with the same mode and owner.
 *
 * Every file is read and rewritten in memory before anything is written, so a file we
 * refuse leaves the system untouched. A backup is `<file>.reprogate.bak`: apt must
 * never read it (its plain http URIs would be ungated sources), and apt skips that name
 * in sources.list.d without a notice, `\.bak$` being in Dir::Ignore-Files-Silently. A
 * backup is written once and never replaced, so it keeps the file as it was before
 * reprogate first touched it. `disable` rewrites the current text back instead of restoring the
 * backup, because the admin may have edited the file since.
 *
 * Follows a symbolic link to the file it names (apt reads through it) and writes that
 * file. Does not keep ACLs or extended attributes, and does not run apt.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SourcesError } from './errors.js';
import { rewriteDeb822 } from './deb822.js';
import type { SourcesFormat, SourcesLocations } from './locations.js';
import { DEFAULT_SOURCES_LOCATIONS, isSourcesPartName, sourcesFormatOf } from './locations.js';
import { rewriteOneLine } from './one-line.js';
import type { KeptUri, SourcesDirection, SourcesRewrite, UriChange } from './switch-uri.js';

export const BACKUP_SUFFIX = '.reprogate.bak';

/** A sources file is a few KB; this only stops a runaway file from being read whole. */
export const MAX_SOURCES_FILE_BYTES = 16 * 1024 * 1024;

export interface SourcesFileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
}

/** The file system as this module needs it; `nodeSourcesFs` is the real one. */
export interface SourcesFs {
  /** Follows symbolic links. */
  stat(path: string): Promise<SourcesFileStat>;
  realpath(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates `path` (failing if it exists) with `data`, sets mode and owner, and syncs it. */
  writeNewFile(path: string, data: Uint8Array, owner: { mode: number; uid: number; gid: number }): Promise<void>;
  /** Fails with EEXIST when `newPath` exists: never replaces anything. */
  link(existingPath: string, newPath: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  syncDirectory(path: string): Promise<void>;
}

export const nodeSourcesFs: SourcesFs = {
  async stat(path) {
    const s = await nodeFs.stat(path);
    return { isFile: s.isFile(), isDirectory: s.isDirectory(), mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, ino: s.ino, mtimeMs: s.mtimeMs };
  },
  realpath: (path) => nodeFs.realpath(path),
  readdir: (path) => nodeFs.readdir(path),
  readFile: (path) => nodeFs.readFile(path),
  async writeNewFile(path, data, { mode, uid, gid }) {
    const file = await nodeFs.open(path, 'wx', 0o600);
    try {
      await file.writeFile(data);
      const created = await file.stat();
      if (created.uid !== uid || created.gid !== gid) await file.chown(uid, gid);
      await file.chmod(mode & 0o7777);
      await file.sync();
    } finally {
      await file.close();
    }
  },
  link: (existingPath, newPath) => nodeFs.link(existingPath, newPath),
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (path) => nodeFs.unlink(path),
  async syncDirectory(path) {
    const dir = await nodeFs.open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
};

export interface BackupState {
  readonly path: string;
  /** created now; existing from an earlier run (left as it is); planned in a dry run. */
  readonly state: 'created' | 'existing' | 'planned';
}

export interface SourcesFileResult {
  /** The file as apt names it. */
  readonly path: string;
  /** The file written: differs from `path` when that is a symbolic link. */
  readonly realPath: string;
  readonly format: SourcesFormat;
  readonly changes: readonly UriChange[];
  readonly kept: readonly KeptUri[];
  /** Set when the file changes, or when a backup from an earlier run exists. */
  readonly backup?: BackupState;
  readonly written: boolean;
}

export interface SwitchSourcesResult {
  readonly direction: SourcesDirection;
  readonly dryRun: boolean;
  /** Every file apt reads, in apt's order, changed or not. */
  readonly files: readonly SourcesFileResult[];
}

export interface SwitchSourcesOptions {
  readonly dryRun?: boolean;
  readonly locations?: SourcesLocations;
  readonly fs?: SourcesFs;
}

interface Planned {
  readonly path: string;
  readonly realPath: string;
  readonly format: SourcesFormat;
  readonly original: Uint8Array;
  readonly seen: SourcesFileStat;
  readonly rewrite: SourcesRewrite;
}

export async function switchSources(direction: SourcesDirection, options: SwitchSourcesOptions = {}): Promise<SwitchSourcesResult> {
  const fs = options.fs ?? nodeSourcesFs;
  const dryRun = options.dryRun ?? false;
  const planned: Planned[] = [];
  for (const path of await findSourcesFiles(fs, options.locations ?? DEFAULT_SOURCES_LOCATIONS)) {
    const file = await readSourcesFile(fs, path);
    // Two names for one file (a link to another sources file): switch it once, as named first.
    if (planned.some((p) => p.realPath === file.realPath)) continue;
    const format = sourcesFormatOf(path);
    // latin1 maps each byte to one character and back, so bytes we do not rewrite survive.
    const text = Buffer.from(file.original).toString('latin1');
    const rewrite = format === 'deb822' ? rewriteDeb822(text, direction, path) : rewriteOneLine(text, direction, path);
    planned.push({ ...file, format, rewrite });
  }

  const files: SourcesFileResult[] = [];
  const switched: string[] = [];
  for (const plan of planned) {
    const changed = plan.rewrite.changes.length > 0;
    const backupPath = plan.realPath + BACKUP_SUFFIX;
    let backup: BackupState | undefined = (await exists(fs, backupPath)) ? { path: backupPath, state: 'existing' } : undefined;
    if (changed && !backup) backup = { path: backupPath, state: 'planned' };
    if (changed && !dryRun) {
      try {
        if (backup?.state === 'planned') {
          backup = { path: backupPath, state: (await writeBackup(fs, plan, backupPath)) ? 'created' : 'existing' };
        }
        await replaceFile(fs, plan);
      } catch (e) {
        const done = switched.length > 0 ? `; already switched: ${switched.join(', ')}` : '';
        if (e instanceof SourcesError) throw new SourcesError(e.code, `${e.message}${done}`, { cause: e });
        throw new SourcesError('SOURCES_WRITE', `cannot write ${plan.realPath}: ${reason(e)}${done}`, { cause: e });
      }
      switched.push(plan.path);
    }
    files.push({
      path: plan.path,
      realPath: plan.realPath,
      format: plan.format,
      changes: plan.rewrite.changes,
      kept: plan.rewrite.kept,
      ...(backup && { backup }),
      written: changed && !dryRun,
    });
  }
  return { direction, dryRun, files };
}

/** The main list if it is a file, then the parts directory's accepted files, sorted as apt sorts them. */
async function findSourcesFiles(fs: SourcesFs, locations: SourcesLocations): Promise<string[]> {
  const files: string[] = [];
  const main = await statIfExists(fs, locations.sourceList);
  if (main?.isFile) files.push(locations.sourceList);

  const dir = await statIfExists(fs, locations.sourceParts);
  if (!dir?.isDirectory) return files;
  let names: string[];
  try {
    names = await fs.readdir(locations.sourceParts);
  } catch (e) {
    throw new SourcesError('SOURCES_READ', `cannot list ${locations.sourceParts}: ${reason(e)}`, { cause: e });
  }
  const parts: string[] = [];
  for (const name of names.filter(isSourcesPartName)) {
    const path = join(locations.sourceParts, name);
    if ((await statIfExists(fs, path))?.isFile) parts.push(path);
  }
  // std::sort over the paths: byte order, which is UTF-16 order for these ASCII names.
  return [...files, ...parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))];
}

async function readSourcesFile(fs: SourcesFs, path: string): Promise<Omit<Planned, 'format' | 'rewrite'>> {
  let realPath: string;
  let seen: SourcesFileStat;
  let original: Uint8Array;
  try {
    realPath = await fs.realpath(path);
    seen = await fs.stat(realPath);
    original = seen.size > MAX_SOURCES_FILE_BYTES ? new Uint8Array(0) : await fs.readFile(realPath);
  } catch (e) {
    throw new SourcesError('SOURCES_READ', `cannot read ${path}: ${reason(e)}`, { cause: e });
  }
  // Checked on the stat and on what was read, in case the file grew in between.
  if (seen.size > MAX_SOURCES_FILE_BYTES || original.length > MAX_SOURCES_FILE_BYTES) {
    throw new SourcesError('SOURCES_TOO_LARGE', `${path} is larger than ${MAX_SOURCES_FILE_BYTES} bytes; is it really a sources file?`);
  }
  return { path, realPath, original, seen };
}

/**
 * The original bytes under a temporary name, then linked to the backup name, which
 * fails rather than replace a backup that appeared meanwhile. False when one did.
 */
async function writeBackup(fs: SourcesFs, plan: Planned, backupPath: string): Promise<boolean> {
  const temp = tempPath(plan.realPath);
  await fs.writeNewFile(temp, plan.original, plan.seen);
  try {
    await fs.link(temp, backupPath);
    return true;
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw e;
    return false;
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
}

/** Temporary file in the same directory, then rename over the original: apt sees the old file or the new one. */
async function replaceFile(fs: SourcesFs, plan: Planned): Promise<void> {
  const temp = tempPath(plan.realPath);
  await fs.writeNewFile(temp, Buffer.from(plan.rewrite.text, 'latin1'), plan.seen);
  try {
    const now = await fs.stat(plan.realPath);
    if (now.ino !== plan.seen.ino || now.size !== plan.seen.size || now.mtimeMs !== plan.seen.mtimeMs) {
      throw new SourcesError('SOURCES_CHANGED', `${plan.path} changed while reprogate was rewriting it; it was left as it is, run the command again`);
    }
    await fs.rename(temp, plan.realPath);
  } catch (e) {
    await fs.unlink(temp).catch(() => undefined);
    throw e;
  }
  await fs.syncDirectory(dirname(plan.realPath));
}

/** Hidden, so that apt skips it in sources.list.d while it exists. */
function tempPath(realPath: string): string {
  const slash = realPath.lastIndexOf('/');
  return `${realPath.slice(0, slash + 1)}.${realPath.slice(slash + 1)}.reprogate-${randomBytes(6).toString('hex')}`;
}

async function statIfExists(fs: SourcesFs, path: string): Promise<SourcesFileStat | undefined> {
  try {
    return await fs.stat(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SourcesError('SOURCES_READ', `cannot examine ${path}: ${reason(e)}`, { cause: e });
  }
}

async function exists(fs: SourcesFs, path: string): Promise<boolean> {
  return (await statIfExists(fs, path)) !== undefined;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
