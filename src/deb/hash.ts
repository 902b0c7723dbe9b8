/**
 * The digests apt and in-toto use for a .deb (SHA-256 always; SHA-512 and MD5 when
 * asked for, since they cost more than SHA-256 itself) and its size, computed in one
 * pass through a single reused buffer, so memory stays flat however large the
 * package. Also a comparison of hex digests that accepts either case and
 * never treats a malformed digest as a match.
 *
 * It does not decide what a digest means: binding a digest to a package is verify/'s
 * job.
 */
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ioError, openRegularFile } from './source.js';

export interface FileDigests {
  /** Lowercase hex. */
  sha256: string;
  sha512?: string;
  md5?: string;
  /** Bytes hashed. */
  size: number;
}

export type ExtraDigest = 'sha512' | 'md5';

const READ_BUFFER_SIZE = 1024 * 1024;
/**
 * Read buffers kept for the next file. A fresh 1 MiB buffer per file is memory V8
 * counts as external and collects for: 200 packages meant 200 MiB of garbage and
 * the collections it brings. The method hashes a few files at once, so a few suffice.
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 4;

export async function hashFile(path: string, extra: readonly ExtraDigest[] = ['sha512', 'md5']): Promise<FileDigests> {
  const { handle } = await openRegularFile(path);
  try {
    return (await hashOpenFile(path, handle, extra)).digests;
  } finally {
    await handle.close();
  }
}

export interface HashedFile {
  readonly digests: FileDigests;
  /** A copy of the file's first bytes as hashed, at most the `headBytes` asked for. */
  readonly head: Uint8Array;
}

/**
 * The digests of the whole file behind `handle`, read front to back by position,
 * and a copy of its first `headBytes` bytes: the first read brings them in anyway,
 * and a caller parsing the file's start need not read it again.
 */
export async function hashOpenFile(path: string, handle: FileHandle, extra: readonly ExtraDigest[], headBytes = 0): Promise<HashedFile> {
  const sha256 = createHash('sha256');
  const sha512 = extra.includes('sha512') ? createHash('sha512') : undefined;
  const md5 = extra.includes('md5') ? createHash('md5') : undefined;
  const buffer = spareBuffers.pop() ?? Buffer.allocUnsafe(READ_BUFFER_SIZE);
  try {
    return await hashInto(path, handle, buffer, headBytes, sha256, sha512, md5);
  } finally {
    if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
  }
}

async function hashInto(
  path: string,
  handle: FileHandle,
  buffer: Buffer,
  headBytes: number,
  sha256: Hash,
  sha512: Hash | undefined,
  md5: Hash | undefined,
): Promise<HashedFile> {
  let size = 0;
  let head: Uint8Array = new Uint8Array(0);
  for (;;) {
    let bytesRead: number;
    try {
      // Read up to EOF, not up to a size measured before: the digests cover exactly
      // the bytes counted in `size`.
      ({ bytesRead } = await handle.read(buffer, 0, buffer.length, size));
    } catch (e) {
      throw ioError(path, 'read', e);
    }
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    // A copy: the buffer is read into again and goes back to the spares.
    if (size === 0 && headBytes > 0) head = Buffer.from(chunk.subarray(0, headBytes));
    sha256.update(chunk);
    sha512?.update(chunk);
    md5?.update(chunk);
    size += bytesRead;
  }
  const digests: FileDigests = {
    sha256: sha256.digest('hex'),
    ...(sha512 ? { sha512: sha512.digest('hex') } : {}),
    ...(md5 ? { md5: md5.digest('hex') } : {}),
    size,
  };
  return { digests, head };
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * True when two hex digests are the same value (case-insensitive). A value that is
 * empty, not hex, or of another length never matches: a truncated or blank digest
 * from an attestation must not compare equal to anything.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length === 0 || a.length !== b.length || a.length % 2 !== 0) return false;
  if (!HEX.test(a) || !HEX.test(b)) return false;
  // Constant time is not needed for public digests, but costs nothing here.
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
