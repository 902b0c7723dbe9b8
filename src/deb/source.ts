/**
 * Random access to the bytes of a .deb, from a file or from memory, so the readers
 * above fetch exactly the ranges they need (ar headers, the control member) and
 * never the data member. Opening refuses anything but a regular file: a FIFO or a
 * device named like a .deb must not hang or stream forever.
 */
import { constants, type promises as fsp } from 'node:fs';
import { open } from 'node:fs/promises';
import { DebError } from './errors.js';

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `position`; the caller has checked the range is in bounds. */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (position, length) => Promise.resolve(bytes.subarray(position, position + length)),
  };
}

/**
 * `source` with the reads that fall inside `head`, a copy of its first bytes, answered
 * from memory: the identity of a .deb just hashed comes from the very bytes hashed,
 * without going back to the file for the ar headers and the control member.
 */
export function headFirstSource(source: ByteSource, head: Uint8Array): ByteSource {
  return {
    size: source.size,
    read: (position, length) =>
      position + length <= head.length ? Promise.resolve(head.subarray(position, position + length)) : source.read(position, length),
  };
}

/** DEB_IO naming the file, the action and the errno code (ENOENT, EACCES, ...). */
export function ioError(path: string, action: string, cause: unknown): DebError {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return new DebError('DEB_IO', `cannot ${action} ${path}: ${reason}`, { cause });
}

/**
 * Open `path` for reading, refusing non-regular files. O_NONBLOCK makes opening a
 * FIFO return at once instead of waiting for a writer; it changes nothing for
 * regular files.
 */
export async function openRegularFile(path: string): Promise<{ handle: fsp.FileHandle; size: number }> {
  let handle: fsp.FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw ioError(path, 'open', e);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new DebError('DEB_IO', `${path} is not a regular file`);
    }
    return { handle, size: stat.size };
  } catch (e) {
    await handle.close();
    if (e instanceof DebError) throw e;
    throw ioError(path, 'stat', e);
  }
}

export function fileSource(path: string, handle: fsp.FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, filled, length - filled, position + filled));
        } catch (e) {
          throw ioError(path, 'read', e);
        }
        // The file shrank after we measured it: the archive we were promised is gone.
        if (bytesRead === 0) throw new DebError('DEB_IO', `${path} shrank while being read`);
        filled += bytesRead;
      }
      return buffer;
    },
  };
}
