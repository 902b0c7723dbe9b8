/**
 * Turns a .deb's control member into the bytes of control.tar, choosing the decoder
 * by the member's name as dpkg-deb does: none, gzip (node:zlib) or xz (our own
 * decoder; Node has none). zstd, which Node 18/20 cannot decode and Debian's archive
 * does not use, and anything else are refused by name.
 *
 * Output is capped: a small member that expands without end (a compression bomb)
 * ends in DEB_TOO_LARGE once the cap is reached, never in an out-of-memory crash.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ControlMember } from './ar.js';
import { DebError, quoteUntrusted } from './errors.js';
import { decodeXz } from './xz/xz.js';

/** A control.tar is kilobytes; this is generous and still harmless to hold in memory. */
export const MAX_CONTROL_TAR_SIZE = 64 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);

async function decodeGzip(member: ControlMember): Promise<Uint8Array> {
  try {
    return await gunzipAsync(member.data, { maxOutputLength: MAX_CONTROL_TAR_SIZE });
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DebError('DEB_TOO_LARGE', `${member.name} expands beyond the ${MAX_CONTROL_TAR_SIZE}-byte limit`, { cause: e });
    }
    throw new DebError('DEB_GZIP', `${member.name} is not valid gzip data: ${(e as Error).message}`, { cause: e });
  }
}

function decodeXzMember(member: ControlMember): Uint8Array {
  try {
    return decodeXz(member.data, MAX_CONTROL_TAR_SIZE);
  } catch (e) {
    // Name the member: the decoder's messages know only that they saw xz.
    if (e instanceof DebError) throw new DebError(e.code, `${member.name}: ${e.message}`, { cause: e });
    throw e;
  }
}

export async function decompressControlMember(member: ControlMember): Promise<Uint8Array> {
  switch (member.name) {
    case 'control.tar':
      return member.data;
    case 'control.tar.gz':
      return decodeGzip(member);
    case 'control.tar.xz':
      return decodeXzMember(member);
    case 'control.tar.zst':
      throw new DebError(
        'DEB_UNSUPPORTED_COMPRESSION',
        'control.tar.zst is zstd-compressed, which reprogate cannot decode (Debian builds use xz)',
      );
    default:
      throw new DebError(
        'DEB_UNSUPPORTED_COMPRESSION',
        `control member ${quoteUntrusted(member.name)} uses a compression dpkg does not allow for control.tar`,
      );
  }
}
