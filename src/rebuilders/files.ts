/**
 * Attestation documents on disk: bounded reads and atomic folder writes, shared by the
 * `directory` adapter, `reprogate fetch --out` bundles and the attestation cache.
 *
 * Reads never follow a symlink at the last step, never block on a FIFO, never take
 * more than the cap, and report every failure as a value (a folder someone else can
 * write to is untrusted input, and a bad file there is a miss, not a crash).
 *
 * Writes build the whole folder (or, for `atomicFileWriter`, the whole file) under a
 * temporary name beside the target and rename it into place, so a reader sees the old
 * one or the new one (a folder: for an instant while one replaces the other, none) —
 * never a half-written one. Modes come out as asked whatever the umask (a root hook
 * may run with umask 077, and `_apt` must still read), and ownership can be handed to
 * the cache's owner. Each directory on the way down is checked to be a real directory,
 * not a symlink planted to redirect the write.
 *
 * EDGE. Deliberately not here: fsync (a torn file after a crash fails its hash check
 * and is a miss), locking (concurrent writers of one target: the last rename wins).
 */
import { randomBytes } from 'node:crypto';
import { constants, lstatSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, opendir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type FileRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; why: 'missing' | 'too-large' | 'not-a-file' | 'unreadable'; detail: string };

export type FolderListing =
  | { ok: true; names: string[] }
  | { ok: false; why: 'missing' | 'unreadable'; detail: string };

/** The file-system reads an adapter needs; injectable for tests. */
export interface DocumentFiles {
  list(folder: string, maxEntries: number): Promise<FolderListing>;
  read(path: string, maxBytes: number): Promise<FileRead>;
}

export const nodeDocumentFiles: DocumentFiles = { list: listFolder, read: readFileCapped };

export async function readFileCapped(path: string, maxBytes: number): Promise<FileRead> {
  // Most reads of the cache are misses. A failed open costs an exception with a stack
  // (~0.1 ms, 600 times in a 200-package run); an lstat told not to throw costs neither.
  if (isAbsent(path)) return { ok: false, why: 'missing', detail: `${path}: ENOENT` };
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, why: 'missing', detail: `${path}: ${code}` };
    if (code === 'ELOOP') return { ok: false, why: 'not-a-file', detail: `${path} is a symlink` };
    return { ok: false, why: 'unreadable', detail: `${path}: ${code}` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, why: 'not-a-file', detail: `${path} is not a regular file` };
    if (info.size > maxBytes) return { ok: false, why: 'too-large', detail: `${path} has ${info.size} bytes, more than ${maxBytes}` };
    // One byte of room tells a file that grew past the cap since stat from one that fits.
    const buffer = new Uint8Array(info.size + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) {
        return { ok: false, why: 'too-large', detail: `${path} grew while being read` };
      }
    }
    return { ok: true, bytes: buffer.subarray(0, filled) };
  } catch (e) {
    return { ok: false, why: 'unreadable', detail: `${path}: ${codeOf(e)}` };
  } finally {
    await handle.close();
  }
}

/** True only when nothing is at `path`; anything else (ENOTDIR, EACCES) is left for open to report. */
function isAbsent(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** Names in a folder, at most `maxEntries` of them (a folder of a million files is not read whole). */
export async function listFolder(folder: string, maxEntries: number): Promise<FolderListing> {
  let dir;
  try {
    dir = await opendir(folder);
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, why: 'missing', detail: `${folder}: ${code}` };
    return { ok: false, why: 'unreadable', detail: `${folder}: ${code}` };
  }
  const names: string[] = [];
  try {
    for (let entry = await dir.read(); entry !== null && names.length < maxEntries; entry = await dir.read()) {
      names.push(entry.name);
    }
    return { ok: true, names };
  } catch (e) {
    return { ok: false, why: 'unreadable', detail: `${folder}: ${codeOf(e)}` };
  } finally {
    await dir.close().catch(() => undefined);
  }
}

export interface FolderWriteOptions {
  dirMode: number;
  fileMode: number;
  /** chown everything created (a root-run hook writing into `_apt`'s cache). */
  owner?: { uid: number; gid: number };
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/**
 * Writes `files` as the folder `root/segments...`, replacing what was there. `root` is
 * created if needed; each segment below it must be a plain name (no separators).
 */
export async function writeFolderAtomically(
  root: string,
  segments: readonly string[],
  files: readonly NamedBytes[],
  options: FolderWriteOptions,
): Promise<string> {
  checkSegments([...segments, ...files.map((f) => f.name)]);
  if (segments.length === 0) throw new Error('no folder to write');

  const created = await mkdir(root, { recursive: true, mode: options.dirMode });
  if (created !== undefined) await settle(root, options.dirMode, options.owner);
  let parent = root;
  for (const segment of segments.slice(0, -1)) {
    parent = join(parent, segment);
    await ensureRealDirectory(parent, options);
  }
  const target = join(parent, segments[segments.length - 1] as string);

  const temporary = join(parent, `.tmp-${basename(target)}-${randomBytes(6).toString('hex')}`);
  await mkdir(temporary, { mode: options.dirMode });
  try {
    await settle(temporary, options.dirMode, options.owner);
    for (const file of files) {
      const path = join(temporary, file.name);
      await writeFile(path, file.bytes, { mode: options.fileMode, flag: 'wx' });
      await settle(path, options.fileMode, options.owner);
    }
    await moveIntoPlace(temporary, target);
  } catch (e) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  return target;
}

export interface AtomicFileWriter {
  /**
   * Writes `bytes` as the file `root/folders.../name`, replacing what was there; each
   * of `folders` and `name` must be a plain name (no separators).
   */
  write(folders: readonly string[], name: string, bytes: Uint8Array): Promise<string>;
}

/**
 * For a process that writes many files under one root (the attestation cache): each
 * file goes to a temporary name in its final folder (`.tmp-<name>-<random>`) and is
 * renamed over the target, which rename(2) replaces atomically. The cost per write is
 * kept to open, write, close, rename: folders are made and checked once per writer
 * (again only if one vanishes), and modes are fixed only when the umask, read once
 * here, would strip bits; ownership is handed over on every write when asked.
 */
export function atomicFileWriter(root: string, options: FolderWriteOptions): AtomicFileWriter {
  // Reading the umask leaves it as it was. A running method or hook does not change its own.
  const umask = process.umask();
  const fixDirMode = (options.dirMode & umask) !== 0;
  const fixFileMode = (options.fileMode & umask) !== 0;
  const known = new Map<string, Promise<void>>();

  /**
   * One creation and check per folder, shared by concurrent writes; forgotten if it
   * fails. Not for a writer handing files to another owner (root's hook writing the
   * `_apt` cache): that owner could swap a checked folder for a symlink meanwhile,
   * so every write checks again.
   */
  const once = (path: string, make: () => Promise<void>): Promise<void> => {
    if (options.owner !== undefined) return make();
    let ready = known.get(path);
    if (ready === undefined) {
      ready = make();
      known.set(path, ready);
      ready.catch(() => known.delete(path));
    }
    return ready;
  };
  const settleFolder = async (path: string): Promise<void> => {
    if (fixDirMode) await chmod(path, options.dirMode);
    if (options.owner !== undefined) await chown(path, options.owner.uid, options.owner.gid);
  };
  const folderReady = async (folders: readonly string[]): Promise<string> => {
    await once(root, async () => {
      const created = await mkdir(root, { recursive: true, mode: options.dirMode });
      if (created !== undefined) await settleFolder(root);
    });
    let path = root;
    for (const folder of folders) {
      const here = join(path, folder);
      await once(here, () => makeRealDirectory(here, options.dirMode, settleFolder));
      path = here;
    }
    return path;
  };

  return {
    async write(folders, name, bytes) {
      checkSegments([...folders, name]);
      const folder = await folderReady(folders);
      const temporary = (): string => join(folder, `.tmp-${name}-${randomBytes(6).toString('hex')}`);
      let path = temporary();
      let handle;
      try {
        handle = await open(path, 'wx', options.fileMode);
      } catch (e) {
        if (codeOf(e) !== 'ENOENT') throw e;
        // A folder known to exist was removed under us (the cache was cleared): make them again, once.
        known.clear();
        await folderReady(folders);
        path = temporary();
        handle = await open(path, 'wx', options.fileMode);
      }
      try {
        try {
          await handle.writeFile(bytes);
          if (fixFileMode) await handle.chmod(options.fileMode);
          if (options.owner !== undefined) await handle.chown(options.owner.uid, options.owner.gid);
        } finally {
          await handle.close();
        }
        const target = join(folder, name);
        await rename(path, target);
        return target;
      } catch (e) {
        await rm(path, { force: true }).catch(() => undefined);
        throw e;
      }
    },
  };
}

/** rename(2) cannot replace a non-empty folder: move the old one aside first, then drop it. */
async function moveIntoPlace(temporary: string, target: string): Promise<void> {
  try {
    await rename(temporary, target);
    return;
  } catch (e) {
    const code = codeOf(e);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
  const aside = join(dirname(target), `.old-${basename(target)}-${randomBytes(6).toString('hex')}`);
  await rename(target, aside);
  try {
    // Fails if a concurrent writer got its folder in first; theirs then stands.
    await rename(temporary, target);
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
}

async function ensureRealDirectory(path: string, options: FolderWriteOptions): Promise<void> {
  await makeRealDirectory(path, options.dirMode, (made) => settle(made, options.dirMode, options.owner));
}

/** Makes `path` (then `settle`s it) or checks that what is there is a directory, not a symlink or file. */
async function makeRealDirectory(path: string, mode: number, settleMade: (path: string) => Promise<void>): Promise<void> {
  try {
    await mkdir(path, { mode });
  } catch (e) {
    if (codeOf(e) !== 'EEXIST') throw e;
    const info = await lstat(path);
    if (!info.isDirectory()) throw new Error(`${path} exists and is not a directory`);
    return;
  }
  await settleMade(path);
}

function checkSegments(parts: readonly string[]): void {
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\0')) {
      throw new Error(`refusing path segment ${JSON.stringify(part)}`);
    }
  }
}

async function settle(path: string, mode: number, owner: FolderWriteOptions['owner']): Promise<void> {
  await chmod(path, mode);
  if (owner !== undefined) await chown(path, owner.uid, owner.gid);
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
