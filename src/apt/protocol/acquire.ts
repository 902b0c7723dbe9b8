/**
 * `600 URI Acquire`: what apt asks a method to fetch, read into a typed item.
 *
 * The URI is kept as the exact string apt sent: apt finds the item of every reply
 * by comparing that string (acquire-worker.cc), so it is never parsed, normalised
 * or re-encoded on its way back. Expected hashes come from apt's signed indices and
 * are checked for shape only. Does not decide anything about the item.
 */
import { AptProtocolError, quoteForError } from './errors.js';
import type { AptField, AptMessage } from './message.js';
import { getField } from './message.js';

export interface ExpectedHashes {
  readonly sha512?: string;
  readonly sha256?: string;
  readonly sha1?: string;
  readonly md5?: string;
  readonly size?: number;
}

export interface AcquireItem {
  /** Exactly as apt sent it; echo it byte for byte. */
  readonly uri: string;
  /** Where apt wants the file (normally in a `partial/` directory). */
  readonly filename: string;
  /** `index` for metadata; for archives the pool file's extension (`deb`, `udeb`, `ddeb`). */
  readonly targetType: string | undefined;
  readonly expected: ExpectedHashes;
  /** Every field of the 600, in order. */
  readonly fields: readonly AptField[];
}

const HEX_LENGTH = { sha512: 128, sha256: 64, sha1: 40, md5: 32 } as const;

export function readAcquire(message: AptMessage): AcquireItem {
  if (message.code !== 600) {
    throw new AptProtocolError('APT_MESSAGE', `expected "600 URI Acquire", got "${message.code} ${message.text}"`);
  }
  const uri = getField(message, 'URI');
  const filename = getField(message, 'Filename');
  if (!uri) throw new AptProtocolError('APT_MESSAGE', '600 URI Acquire has no URI');
  if (!filename) throw new AptProtocolError('APT_MESSAGE', `600 URI Acquire for ${quoteForError(uri)} has no Filename`);

  const expected: { -readonly [K in keyof ExpectedHashes]: ExpectedHashes[K] } = {};
  for (const [key, field] of [
    ['sha512', 'Expected-SHA512'],
    ['sha256', 'Expected-SHA256'],
    ['sha1', 'Expected-SHA1'],
    ['md5', 'Expected-MD5Sum'],
  ] as const) {
    const value = getField(message, field);
    if (value === undefined) continue;
    if (!new RegExp(`^[0-9a-fA-F]{${HEX_LENGTH[key]}}$`).test(value)) {
      throw new AptProtocolError('APT_FIELD', `600 URI Acquire field ${field} is not a hex digest: ${quoteForError(value)}`);
    }
    expected[key] = value.toLowerCase();
  }
  const size = getField(message, 'Expected-Checksum-FileSize');
  if (size !== undefined) {
    if (!/^[0-9]{1,15}$/.test(size)) {
      throw new AptProtocolError('APT_FIELD', `600 URI Acquire field Expected-Checksum-FileSize is not a size: ${quoteForError(size)}`);
    }
    expected.size = Number(size);
  }
  return { uri, filename, targetType: getField(message, 'Target-Type'), expected, fields: message.fields };
}

/** The archive types apt fetches: each is a package dpkg can install. */
const PACKAGE_TARGET_TYPES = new Set(['deb', 'udeb', 'ddeb']);

/**
 * Whether an item is a package and must be gated. Either signal is enough: apt
 * sends `Target-Type: deb` for archives (also for `apt-get download`), and a URI
 * whose path ends in a package extension is gated even without it. Erring towards
 * gating costs a lookup; erring the other way lets a package through unchecked.
 */
export function isPackageItem(item: AcquireItem): boolean {
  if (item.targetType !== undefined && PACKAGE_TARGET_TYPES.has(item.targetType.toLowerCase())) return true;
  const path = item.uri.replace(/[?#].*$/s, '');
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape: the raw path is still judged below.
  }
  return [path, decoded].some((p) => /\.(deb|udeb|ddeb)$/i.test(p));
}
