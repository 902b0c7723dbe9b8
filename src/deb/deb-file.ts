/**
 * One .deb opened once and then hashed and read for its identity through the same
 * handle: checking a package (verify, the method, the hook) costs one open, one
 * fstat and one close instead of two of each. The caller decides the order — the
 * method refuses a file whose hash the index contradicts before parsing any of it.
 */
import type { DebIdentity } from './control.js';
import { hashOpenFile, type ExtraDigest, type FileDigests } from './hash.js';
import { identityFrom } from './identity.js';
import { fileSource, openRegularFile } from './source.js';

export interface DebFile {
  hash(extra: readonly ExtraDigest[]): Promise<FileDigests>;
  identity(): Promise<DebIdentity>;
  close(): Promise<void>;
}

/** Opens `path`, refusing anything but a regular file; every failure is a DebError. */
export async function openDebFile(path: string): Promise<DebFile> {
  const { handle, size } = await openRegularFile(path);
  return {
    hash: (extra) => hashOpenFile(path, handle, extra),
    identity: () => identityFrom(fileSource(path, handle, size)),
    close: () => handle.close(),
  };
}
