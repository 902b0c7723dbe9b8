/**
 * The decoder's output, which doubles as the LZMA dictionary: the whole control
 * member is decoded into memory anyway, so matches copy from earlier output and no
 * separate window of the (attacker-declared, up to 4 GiB) dictionary size is ever
 * allocated. Growth is capped: asking for more than `limit` bytes in total is the
 * compression-bomb case and ends in DEB_TOO_LARGE, before the memory is taken.
 * Pure: no I/O.
 */
import { DebError } from '../errors.js';

export class DecodeOutput {
  buffer: Uint8Array;
  /** Bytes written so far. */
  position = 0;
  /** Where the current LZMA2 dictionary begins; matches may not reach before it. */
  dictionaryStart = 0;
  readonly limit: number;

  constructor(limit: number, initialCapacity: number) {
    this.limit = limit;
    this.buffer = new Uint8Array(Math.min(limit, Math.max(initialCapacity, 1024)));
  }

  /** Make room for `count` more bytes, or refuse when that would pass the limit. */
  reserve(count: number): void {
    const needed = this.position + count;
    if (needed > this.limit) {
      throw new DebError('DEB_TOO_LARGE', `decompressed data exceeds the ${this.limit}-byte limit`);
    }
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, this.limit));
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }

  resetDictionary(): void {
    this.dictionaryStart = this.position;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }
}
