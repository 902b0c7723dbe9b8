/**
 * One .deb opened once and then hashed and read for its identity through the same
 * handle: checking a package (verify, the method, the hook) costs one open, one
 * fstat and one close instead of two of each. The caller decides the order — the
 * method refuses a file whose hash the index contradicts before parsing any of it —
 * and once hashed, the identity is read from the file's first bytes kept in memory.
 */
import type { DebIdentity } from './control.js';
import { hashOpenFile, type ExtraDigest, type FileDigests } from './hash.js';
import { identityFrom } from './identity.js';
import { fileSource, headFirstSource, openRegularFile } from './source.js';

/**
 * Kept from hashing for reading the identity: the ar headers and the control member
 * of nearly every package (Debian's control members: median 1.5 kB, 99th percentile
 * 43 kB); a larger one is read from the file.
 */
const HEAD_BYTES = 64 * 1024;

export interface DebFile {
  hash(extra: readonly ExtraDigest[]): Promise<FileDigests>;
  identity(): Promise<DebIdentity>;
  close(): Promise<void>;
}

/** Opens `path`, refusing anything but a regular file; every failure is a DebError. */
export async function openDebFile(path: string): Promise<DebFile> {
  const { handle, size } = await openRegularFile(path);
  const source = fileSource(path, handle, size);
  let head: Uint8Array | undefined;
  return {
    async hash(extra) {
      const hashed = await hashOpenFile(path, handle, extra, HEAD_BYTES);
      head = hashed.head;
      return hashed.digests;
    },
    identity: () => identityFrom(head === undefined ? source : headFirstSource(source, head)),
    close: () => handle.close(),
  };
}
