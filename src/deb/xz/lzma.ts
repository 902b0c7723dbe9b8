/**
 * The LZMA decoder as LZMA2 uses it: the range decoder and the literal, match and
 * repeated-match models, decoding one chunk of known uncompressed and compressed
 * size at a time. Written from the LZMA specification (lzma-specification.txt in the
 * LZMA SDK) and the .xz format description.
 *
 * Every chunk must end exactly: the range decoder's code is zero and its input is
 * used up when the last byte is produced, and no match runs past the chunk. A
 * distance reaching before the dictionary start or beyond the declared dictionary
 * size is corrupt data, never an out-of-bounds read. The end-of-payload marker,
 * which LZMA2 does not allow, is refused by that same distance check.
 * Pure: no I/O.
 */
import { DebError } from '../errors.js';
import type { DecodeOutput } from './output.js';

const PROBABILITY_BITS = 11;
const PROBABILITY_INIT = 1 << (PROBABILITY_BITS - 1);
const MOVE_BITS = 5;

const STATES = 12;
const POS_STATES_MAX = 16;
const LITERAL_CODER_SIZE = 0x300;
const MAX_LC_PLUS_LP = 4;
const LEN_STATES = 4;
const POS_SLOT_BITS = 6;
const END_POS_MODEL_INDEX = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const MATCH_MIN_LEN = 2;
/** States 0-6 follow a literal; 7-11 follow a match or repeated match. */
const LITERAL_STATES = 7;

export function xzError(message: string): DebError {
  return new DebError('DEB_XZ', `xz data is corrupt or unsupported: ${message}`);
}

/**
 * `range` and `code` are unsigned 32-bit quantities kept in int32 form (`| 0`) so V8
 * holds them as small integers rather than boxed doubles; unsigned comparisons flip
 * the sign bit first (`^ SIGN`). This roughly doubles decoding speed.
 */
const SIGN = -0x80000000;

class RangeDecoder {
  private input: Uint8Array = new Uint8Array(0);
  private position = 0;
  private end = 0;
  private range = 0;
  private code = 0;

  start(input: Uint8Array, start: number, end: number): void {
    // Five bytes: a zero that the encoder's carry handling always emits first, then
    // the initial 32-bit code.
    if (end - start < 5) throw xzError('LZMA chunk too short for its range coder');
    if (input[start] !== 0) throw xzError('LZMA chunk does not start with a zero byte');
    this.input = input;
    this.code = (input[start + 1]! << 24) | (input[start + 2]! << 16) | (input[start + 3]! << 8) | input[start + 4]!;
    this.range = -1;
    this.position = start + 5;
    this.end = end;
  }

  /** The encoder flushes so that a correctly ended chunk leaves code 0 and no input. */
  finishedAt(end: number): boolean {
    return this.code === 0 && this.position === end;
  }

  // Normalization runs after every decoded bit, so the decoder is always normalized
  // between symbols and a chunk's input is used up exactly when its last symbol is.
  private normalize(): void {
    if (this.range >>> 24 === 0) {
      if (this.position >= this.end) throw xzError('LZMA chunk ends early');
      this.range <<= 8;
      this.code = (this.code << 8) | this.input[this.position++]!;
    }
  }

  bit(probabilities: Uint16Array, index: number): number {
    const probability = probabilities[index]!;
    const bound = Math.imul(this.range >>> PROBABILITY_BITS, probability);
    let bit: number;
    if ((this.code ^ SIGN) < (bound ^ SIGN)) {
      this.range = bound;
      probabilities[index] = probability + (((1 << PROBABILITY_BITS) - probability) >>> MOVE_BITS);
      bit = 0;
    } else {
      this.range = (this.range - bound) | 0;
      this.code = (this.code - bound) | 0;
      probabilities[index] = probability - (probability >>> MOVE_BITS);
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  /** Bits coded with fixed probability one half, most significant first. */
  directBits(count: number): number {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if ((this.code ^ SIGN) >= (this.range ^ SIGN)) {
        this.code = (this.code - this.range) | 0;
        bit = 1;
      }
      result = result * 2 + bit;
      this.normalize();
    }
    return result;
  }

  /** A `bits`-bit symbol from a binary tree of probabilities rooted at base + 1. */
  tree(probabilities: Uint16Array, base: number, bits: number): number {
    let node = 1;
    for (let i = 0; i < bits; i++) node = (node << 1) | this.bit(probabilities, base + node);
    return node - (1 << bits);
  }

  /** As tree(), with the symbol's bits read least significant first. */
  reverseTree(probabilities: Uint16Array, base: number, bits: number): number {
    let node = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const bit = this.bit(probabilities, base + node);
      node = (node << 1) | bit;
      symbol |= bit << i;
    }
    return symbol;
  }
}

/** Match lengths: 0-7 (low), 8-15 (mid) per position state, or 16-271 (high). */
class LengthModel {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array(POS_STATES_MAX << 3);
  readonly mid = new Uint16Array(POS_STATES_MAX << 3);
  readonly high = new Uint16Array(256);

  reset(): void {
    for (const table of [this.choice, this.low, this.mid, this.high]) table.fill(PROBABILITY_INIT);
  }

  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.choice, 0) === 0) return rc.tree(this.low, posState << 3, 3);
    if (rc.bit(this.choice, 1) === 0) return 8 + rc.tree(this.mid, posState << 3, 3);
    return 16 + rc.tree(this.high, 0, 8);
  }
}

export interface LzmaProperties {
  /** Literal context bits. */
  lc: number;
  /** Literal position bits. */
  lp: number;
  /** Position bits. */
  pb: number;
}

/** Split the LZMA properties byte ((pb * 5 + lp) * 9 + lc); LZMA2 requires lc + lp <= 4. */
export function parseLzmaProperties(byte: number): LzmaProperties {
  if (byte >= 9 * 5 * 5) throw xzError('invalid LZMA properties byte');
  const lc = byte % 9;
  const lp = Math.floor(byte / 9) % 5;
  const pb = Math.floor(byte / 45);
  if (lc + lp > MAX_LC_PLUS_LP) throw xzError('LZMA2 properties with lc + lp > 4');
  return { lc, lp, pb };
}

export class LzmaDecoder {
  private readonly rc = new RangeDecoder();
  private lc = 0;
  private lpMask = 0;
  private pbMask = 0;

  private readonly isMatch = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly isRep = new Uint16Array(STATES);
  private readonly isRepG0 = new Uint16Array(STATES);
  private readonly isRepG1 = new Uint16Array(STATES);
  private readonly isRepG2 = new Uint16Array(STATES);
  private readonly isRep0Long = new Uint16Array(STATES * POS_STATES_MAX);
  private readonly literal = new Uint16Array(LITERAL_CODER_SIZE << MAX_LC_PLUS_LP);
  private readonly posSlot = new Uint16Array(LEN_STATES << POS_SLOT_BITS);
  private readonly posSpecial = new Uint16Array(FULL_DISTANCES - END_POS_MODEL_INDEX);
  private readonly align = new Uint16Array(1 << ALIGN_BITS);
  private readonly matchLength = new LengthModel();
  private readonly repLength = new LengthModel();

  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;

  setProperties({ lc, lp, pb }: LzmaProperties): void {
    this.lc = lc;
    this.lpMask = (1 << lp) - 1;
    this.pbMask = (1 << pb) - 1;
  }

  /** LZMA2's state reset: every probability back to one half, no history of matches. */
  resetState(): void {
    for (const table of [
      this.isMatch, this.isRep, this.isRepG0, this.isRepG1, this.isRepG2, this.isRep0Long,
      this.literal, this.posSlot, this.posSpecial, this.align,
    ]) {
      table.fill(PROBABILITY_INIT);
    }
    this.matchLength.reset();
    this.repLength.reset();
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  private decodeDistance(length: number): number {
    const lenState = length < LEN_STATES - 1 ? length : LEN_STATES - 1;
    const slot = this.rc.tree(this.posSlot, lenState << POS_SLOT_BITS, POS_SLOT_BITS);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    // Up to 2^32 - 1: plain arithmetic, since bitwise operators would wrap to int32.
    const base = (2 | (slot & 1)) * 2 ** directBits;
    if (slot < END_POS_MODEL_INDEX) {
      return base + this.rc.reverseTree(this.posSpecial, base - slot - 1, directBits);
    }
    const high = this.rc.directBits(directBits - ALIGN_BITS) * (1 << ALIGN_BITS);
    return base + high + this.rc.reverseTree(this.align, 0, ALIGN_BITS);
  }

  /**
   * Decode input[start, end) into exactly `size` more bytes of `out`, whose capacity
   * the caller has reserved. Matches may reach back at most `dictionarySize` bytes
   * and never before `out.dictionaryStart`.
   */
  decodeChunk(out: DecodeOutput, input: Uint8Array, start: number, end: number, size: number, dictionarySize: number): void {
    const rc = this.rc;
    rc.start(input, start, end);
    const buffer = out.buffer;
    const dictionaryStart = out.dictionaryStart;
    const stop = out.position + size;
    let position = out.position;
    let state = this.state;
    let rep0 = this.rep0;
    let rep1 = this.rep1;
    let rep2 = this.rep2;
    let rep3 = this.rep3;

    while (position < stop) {
      const posState = (position - dictionaryStart) & this.pbMask;

      if (rc.bit(this.isMatch, (state << 4) + posState) === 0) {
        const previous = position > dictionaryStart ? buffer[position - 1]! : 0;
        const context = (((position - dictionaryStart) & this.lpMask) << this.lc) + (previous >>> (8 - this.lc));
        const base = LITERAL_CODER_SIZE * context;
        let symbol = 1;
        if (state < LITERAL_STATES) {
          while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(this.literal, base + symbol);
        } else {
          // A literal right after a match is coded relative to the byte the match
          // would have continued with; rep0 was checked when that match was decoded.
          let matchByte = buffer[position - rep0 - 1]!;
          let offset = 0x100;
          while (symbol < 0x100) {
            matchByte <<= 1;
            const matchBit = matchByte & offset;
            const bit = rc.bit(this.literal, base + offset + matchBit + symbol);
            symbol = (symbol << 1) | bit;
            offset &= bit ? matchBit : ~matchBit;
          }
        }
        buffer[position++] = symbol & 0xff;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }

      let length: number;
      if (rc.bit(this.isRep, state) === 0) {
        length = this.matchLength.decode(rc, posState);
        state = state < LITERAL_STATES ? 7 : 10;
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        rep0 = this.decodeDistance(length);
        if (rep0 === 0xffffffff) throw xzError('end-of-payload marker inside LZMA2 data');
      } else {
        if (rc.bit(this.isRepG0, state) === 0) {
          if (rc.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            // A "short rep": one byte from distance rep0.
            if (rep0 >= position - dictionaryStart) throw xzError('match distance beyond the data decoded so far');
            state = state < LITERAL_STATES ? 9 : 11;
            buffer[position] = buffer[position - rep0 - 1]!;
            position++;
            continue;
          }
        } else {
          let distance: number;
          if (rc.bit(this.isRepG1, state) === 0) {
            distance = rep1;
          } else {
            if (rc.bit(this.isRepG2, state) === 0) {
              distance = rep2;
            } else {
              distance = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = distance;
        }
        length = this.repLength.decode(rc, posState);
        state = state < LITERAL_STATES ? 8 : 11;
      }

      length += MATCH_MIN_LEN;
      if (rep0 >= position - dictionaryStart || rep0 >= dictionarySize) {
        throw xzError('match distance beyond the dictionary');
      }
      if (length > stop - position) throw xzError('match runs past the end of its LZMA2 chunk');
      // Byte by byte: source and destination overlap whenever the distance is shorter
      // than the length, which is how LZMA encodes runs.
      let from = position - rep0 - 1;
      const matchEnd = position + length;
      while (position < matchEnd) buffer[position++] = buffer[from++]!;
    }

    if (!rc.finishedAt(end)) throw xzError('LZMA chunk has data left over after its last byte');
    out.position = position;
    this.state = state;
    this.rep0 = rep0;
    this.rep1 = rep1;
    this.rep2 = rep2;
    this.rep3 = rep3;
  }
}
