/**
 * Attestation documents on disk: bounded reads and atomic folder writes, shared by the
 * `directory` adapter, `reprogate fetch --out` bundles and the attestation cache.
 *
 * Reads never follow a symlink at the last step, never block on a FIFO, never take
 * more than the cap, and report every failure as a value (a folder someone else can
 * write to is untrusted input, and a bad file there is a miss, not a crash).
 *
 * Writes build the whole folder under a temporary name beside the target and rename
 * it into place, so a reader sees the old folder, the new one, or (for an instant
 * while one replaces the other) none — never a half-written one. Modes are set
 * explicitly (a root hook may run with umask 077, and `_apt` must still read), and
 * ownership can be handed to the cache's owner. Each directory on the way down is
 * checked to be a real directory, not a symlink planted to redirect the write.
 *
 * EDGE. Deliberately not here: fsync (a torn file after a crash fails its hash check
 * and is a miss), locking (concurrent writers of one folder: the last rename wins).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
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
  for (const part of [...segments, ...files.map((f) => f.name)]) {
    if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\0')) {
      throw new Error(`refusing path segment ${JSON.stringify(part)}`);
    }
  }
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
  try {
    await mkdir(path, { mode: options.dirMode });
    await settle(path, options.dirMode, options.owner);
    return;
  } catch (e) {
    if (codeOf(e) !== 'EEXIST') throw e;
  }
  const info = await lstat(path);
  if (!info.isDirectory()) throw new Error(`${path} exists and is not a directory`);
}

async function settle(path: string, mode: number, owner: FolderWriteOptions['owner']): Promise<void> {
  await chmod(path, mode);
  if (owner !== undefined) await chown(path, owner.uid, owner.gid);
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
