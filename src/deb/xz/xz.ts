/**
 * A bounded decoder for the .xz container (The .xz File Format, version 1.1.0 and
 * later), enough for what dpkg-deb writes: one or more streams, each with blocks
 * holding a single LZMA2 filter, an index and a footer; stream padding between and
 * after streams. Every structure is verified: header, block header and index CRC32s,
 * the declared sizes against the decoded ones, the index against the blocks, the
 * footer against the header, and the integrity check of every block (none, CRC32,
 * CRC64 or SHA-256).
 *
 * Deliberately not supported: filter chains (BCJ, delta) and the other integrity
 * checks, which dpkg-deb never writes; they are refused as DEB_XZ, not skipped.
 * Output is capped (DEB_TOO_LARGE), and the caller holds the whole input in memory.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { crc32, crc64 } from './crc.js';
import { xzError } from './lzma.js';
import { decodeLzma2, lzma2DictionarySize } from './lzma2.js';
import { DecodeOutput } from './output.js';

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const FILTER_LZMA2 = 0x21;

const CHECK_NONE = 0x00;
const CHECK_CRC32 = 0x01;
const CHECK_CRC64 = 0x04;
const CHECK_SHA256 = 0x0a;
const CHECK_SIZES = new Map([
  [CHECK_NONE, 0],
  [CHECK_CRC32, 4],
  [CHECK_CRC64, 8],
  [CHECK_SHA256, 32],
]);

/** Reads little-endian integers and xz's variable-length integers, bounds-checked. */
class Cursor {
  constructor(
    readonly input: Uint8Array,
    public position: number,
  ) {}

  need(count: number): void {
    if (this.position + count > this.input.length) throw xzError('data ends early');
  }

  byte(): number {
    this.need(1);
    return this.input[this.position++]!;
  }

  uint32(): number {
    this.need(4);
    const view = new DataView(this.input.buffer, this.input.byteOffset + this.position, 4);
    this.position += 4;
    return view.getUint32(0, true);
  }

  /** Seven bits per byte, low first, at most nine bytes, no redundant trailing zero byte. */
  vli(): number {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw xzError('non-minimal variable-length integer');
        if (!Number.isSafeInteger(value)) throw xzError('variable-length integer too large');
        return value;
      }
    }
    throw xzError('variable-length integer longer than nine bytes');
  }

  zeros(count: number, what: string): void {
    for (let i = 0; i < count; i++) if (this.byte() !== 0) throw xzError(`${what} is not zero`);
  }
}

function expectBytes(cursor: Cursor, expected: number[], what: string): void {
  for (const byte of expected) if (cursor.byte() !== byte) throw xzError(`bad ${what}`);
}

/** The two stream-flag bytes: a zero, then the check type in the low nibble. */
function readStreamFlags(cursor: Cursor): number {
  const start = cursor.position;
  const first = cursor.byte();
  const second = cursor.byte();
  if (first !== 0 || (second & 0xf0) !== 0) throw xzError('reserved stream flags are set');
  return start;
}

function verifyCheck(cursor: Cursor, checkType: number, data: Uint8Array): void {
  const size = CHECK_SIZES.get(checkType)!;
  cursor.need(size);
  const stored = cursor.input.subarray(cursor.position, cursor.position + size);
  cursor.position += size;
  let actual: Uint8Array;
  if (checkType === CHECK_NONE) return;
  if (checkType === CHECK_CRC32) {
    actual = new Uint8Array(4);
    new DataView(actual.buffer).setUint32(0, crc32(data), true);
  } else if (checkType === CHECK_CRC64) {
    actual = crc64(data);
  } else {
    actual = createHash('sha256').update(data).digest();
  }
  if (!Buffer.from(actual).equals(stored)) throw xzError('integrity check of a block failed');
}

interface IndexRecord {
  unpaddedSize: number;
  uncompressedSize: number;
}

/** One block: header, LZMA2 data, padding, check. Returns its index record. */
function decodeBlock(cursor: Cursor, checkType: number, out: DecodeOutput): IndexRecord {
  const headerStart = cursor.position;
  const headerSize = (cursor.byte() + 1) * 4;
  cursor.need(headerSize - 1);
  const crcAt = headerStart + headerSize - 4;
  const crcView = new DataView(cursor.input.buffer, cursor.input.byteOffset + crcAt, 4);
  if (crc32(cursor.input, headerStart, crcAt) !== crcView.getUint32(0, true)) {
    throw xzError('block header CRC32 mismatch');
  }
  const flags = cursor.byte();
  if (flags & 0x3c) throw xzError('reserved block flags are set');
  const filterCount = (flags & 0x03) + 1;
  const declaredCompressed = flags & 0x40 ? cursor.vli() : undefined;
  const declaredUncompressed = flags & 0x80 ? cursor.vli() : undefined;
  if (filterCount !== 1) throw xzError('filter chains (BCJ, delta) are not supported');
  if (cursor.vli() !== FILTER_LZMA2) throw xzError('only the LZMA2 filter is supported');
  if (cursor.vli() !== 1) throw xzError('LZMA2 filter properties must be one byte');
  const dictionaryByte = cursor.byte();
  if (dictionaryByte & 0xc0) throw xzError('reserved LZMA2 property bits are set');
  const dictionarySize = lzma2DictionarySize(dictionaryByte);
  if (cursor.position > crcAt) throw xzError('block header fields overrun the header');
  cursor.zeros(crcAt - cursor.position, 'block header padding');
  cursor.position = crcAt + 4;

  const dataStart = cursor.position;
  const outputStart = out.position;
  const limit = declaredCompressed === undefined ? cursor.input.length : dataStart + declaredCompressed;
  if (limit > cursor.input.length) throw xzError('block is longer than the data');
  cursor.position = decodeLzma2(cursor.input, dataStart, limit, out, dictionarySize);
  const compressedSize = cursor.position - dataStart;
  const uncompressedSize = out.position - outputStart;
  if (declaredCompressed !== undefined && declaredCompressed !== compressedSize) {
    throw xzError('block compressed size does not match its header');
  }
  if (declaredUncompressed !== undefined && declaredUncompressed !== uncompressedSize) {
    throw xzError('block uncompressed size does not match its header');
  }
  cursor.zeros((4 - ((headerSize + compressedSize) % 4)) % 4, 'block padding');
  verifyCheck(cursor, checkType, out.buffer.subarray(outputStart, out.position));
  return { unpaddedSize: headerSize + compressedSize + CHECK_SIZES.get(checkType)!, uncompressedSize };
}

/** The index must list exactly the blocks we decoded. Returns its size in bytes. */
function verifyIndex(cursor: Cursor, blocks: IndexRecord[]): number {
  const start = cursor.position;
  cursor.byte(); // the index indicator, already seen to be zero
  if (cursor.vli() !== blocks.length) throw xzError('index lists a different number of blocks');
  for (const block of blocks) {
    if (cursor.vli() !== block.unpaddedSize || cursor.vli() !== block.uncompressedSize) {
      throw xzError('index does not match the blocks');
    }
  }
  cursor.zeros((4 - ((cursor.position - start) % 4)) % 4, 'index padding');
  const end = cursor.position;
  if (cursor.uint32() !== crc32(cursor.input, start, end)) throw xzError('index CRC32 mismatch');
  return cursor.position - start;
}

function decodeStream(cursor: Cursor, out: DecodeOutput): void {
  expectBytes(cursor, HEADER_MAGIC, 'xz magic');
  const flagsAt = readStreamFlags(cursor);
  if (cursor.uint32() !== crc32(cursor.input, flagsAt, flagsAt + 2)) throw xzError('stream header CRC32 mismatch');
  const checkType = cursor.input[flagsAt + 1]!;
  if (!CHECK_SIZES.has(checkType)) throw xzError(`unsupported integrity check type ${checkType}`);

  const blocks: IndexRecord[] = [];
  for (;;) {
    cursor.need(1);
    if (cursor.input[cursor.position] === 0) break;
    blocks.push(decodeBlock(cursor, checkType, out));
  }
  const indexSize = verifyIndex(cursor, blocks);

  const footerCrc = cursor.uint32();
  const footerAt = cursor.position;
  const backwardSize = (cursor.uint32() + 1) * 4;
  readStreamFlags(cursor);
  if (footerCrc !== crc32(cursor.input, footerAt, footerAt + 6)) throw xzError('stream footer CRC32 mismatch');
  if (backwardSize !== indexSize) throw xzError('stream footer does not match the index size');
  if (cursor.input[footerAt + 5] !== checkType) throw xzError('stream footer flags differ from the header');
  expectBytes(cursor, FOOTER_MAGIC, 'xz footer magic');
}

/** Decode a complete .xz file, refusing it if it would expand beyond `maxOutput` bytes. */
export function decodeXz(input: Uint8Array, maxOutput: number): Uint8Array {
  // A first guess only (control members shrink to a fraction); the buffer doubles as needed.
  const out = new DecodeOutput(maxOutput, Math.min(input.length * 4, 1024 * 1024));
  const cursor = new Cursor(input, 0);
  for (;;) {
    decodeStream(cursor, out);
    // Stream padding: null bytes in multiples of four, after or between streams.
    const paddingStart = cursor.position;
    while (cursor.position < input.length && input[cursor.position] === 0) cursor.position++;
    if ((cursor.position - paddingStart) % 4 !== 0) throw xzError('stream padding is not a multiple of four bytes');
    if (cursor.position === input.length) return out.bytes();
  }
}
