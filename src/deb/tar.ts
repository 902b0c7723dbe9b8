/**
 * Reads one regular file out of an in-memory tar archive (POSIX ustar, GNU, pax), as
 * found in a .deb's control.tar. Member names are compared after dropping empty and
 * `.` path components, so `./control`, `control` and `.//control` are one file, and
 * every header is checked (checksum, sizes, bounds) because the whole archive is
 * untrusted.
 *
 * Fails closed where tools could disagree about which bytes are "the" file: a second
 * member with the same name (dpkg would keep the last, a naive reader the first), a
 * name with a `..` component, or the wanted name on a link or directory.
 * It does not extract anything else, follow links, or interpret modes or owners.
 * Pure: no I/O.
 */
import { DebError, quoteUntrusted } from './errors.js';
import { latin1 } from './text.js';

const BLOCK = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function formatError(message: string): DebError {
  return new DebError('DEB_FORMAT', `control.tar: ${message}`);
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return latin1(nul === -1 ? bytes : bytes.subarray(0, nul));
}

/** Octal, NUL/space terminated; or GNU base-256 when the first byte has its top bit set. */
function numericField(field: Uint8Array, what: string): number {
  if (field[0]! & 0x80) {
    // Base-256: a leading 0xff byte would make the number negative.
    if (field[0] !== 0x80) throw formatError(`${what} field is negative or too large`);
    let value = 0;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw formatError(`${what} field is too large`);
    return value;
  }
  const text = cString(field).trim();
  if (!/^[0-7]{1,12}$/.test(text)) throw formatError(`${what} field is not an octal number`);
  return parseInt(text, 8);
}

function checksumMatches(header: Uint8Array): boolean {
  const stored = numericField(header.subarray(148, 156), 'checksum');
  // The checksum field itself counts as eight spaces. Old tars summed signed bytes.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const byte = header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** `key=value` records of a pax extended header: "<length> <key>=<value>\n" each. */
function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const lengthText = space === -1 ? '' : latin1(data.subarray(at, space));
    if (!/^[1-9][0-9]{0,8}$/.test(lengthText)) throw formatError('malformed pax header record length');
    const end = at + Number(lengthText);
    if (end > data.length || end <= space + 1 || data[end - 1] !== 0x0a) {
      throw formatError('malformed pax header record');
    }
    let record: string;
    try {
      record = utf8.decode(data.subarray(space + 1, end - 1));
    } catch {
      throw formatError('pax header record is not UTF-8');
    }
    const equals = record.indexOf('=');
    if (equals <= 0) throw formatError('malformed pax header record');
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at = end;
  }
  return records;
}

/** The member's path with empty and `.` components dropped; refuses `..`. */
function normalizeName(name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw formatError(`member name ${quoteUntrusted(name)} leaves the archive root`);
  return parts.join('/');
}

function isEndBlock(header: Uint8Array): boolean {
  return header.every((byte) => byte === 0);
}

const REGULAR_TYPES = new Set(['0', '\0', '7']);
/** Headers that describe the next member (pax, GNU long names) rather than being one. */
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

/**
 * The contents of the regular file `wanted` (a normalized path such as `control`),
 * or undefined when the archive has no such member.
 */
export function readTarFile(tar: Uint8Array, wanted: string): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  // Set by a pax `x` header or a GNU `L` header; applies to the next real member only.
  let pendingPath: string | undefined;
  let pendingSize: number | undefined;

  for (let offset = 0; offset < tar.length; ) {
    if (offset + BLOCK > tar.length) throw formatError('archive ends inside a header');
    const header = tar.subarray(offset, offset + BLOCK);
    if (isEndBlock(header)) break;
    if (!checksumMatches(header)) throw formatError(`header checksum mismatch at offset ${offset}`);

    const type = String.fromCharCode(header[156]!);
    const headerSize = numericField(header.subarray(124, 136), 'size');
    // A pending pax size describes the next real member, whatever its type, as in
    // GNU tar: skipping by any other size would read data blocks as headers.
    const size = META_TYPES.has(type) ? headerSize : (pendingSize ?? headerSize);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw formatError('archive ends inside a member');
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      const records = parsePaxRecords(data);
      pendingPath = records.get('path') ?? pendingPath;
      const paxSize = records.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]{1,15}$/.test(paxSize)) throw formatError('pax size record is not a number');
        pendingSize = Number(paxSize);
      }
      continue;
    }
    if (type === 'L') {
      pendingPath = cString(data);
      continue;
    }
    // Global pax headers and GNU long link names never change which file is which.
    if (META_TYPES.has(type)) continue;

    let name = pendingPath;
    if (name === undefined) {
      name = cString(header.subarray(0, 100));
      // POSIX ustar splits long names into prefix/name; GNU tar uses the same bytes
      // for other things, so the prefix is read only under the POSIX magic.
      if (latin1(header.subarray(257, 263)) === 'ustar\0') {
        const prefix = cString(header.subarray(345, 500));
        if (prefix !== '') name = `${prefix}/${name}`;
      }
    }
    pendingPath = undefined;
    pendingSize = undefined;

    if (normalizeName(name) !== wanted) continue;
    if (!REGULAR_TYPES.has(type)) throw formatError(`${wanted} is not a regular file`);
    if (found !== undefined) throw formatError(`${wanted} appears more than once`);
    found = data;
  }
  return found;
}
