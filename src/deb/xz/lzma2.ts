/**
 * LZMA2, the chunked container around LZMA that .xz uses: each chunk is either
 * stored (uncompressed) or LZMA-coded, and its control byte says whether the
 * dictionary, the LZMA state, or the LZMA properties are reset before it.
 *
 * The reset rules follow liblzma's decoder so that we accept exactly what xz does:
 * the first chunk must reset the dictionary, and after every dictionary reset the
 * next LZMA chunk must bring new properties. Sizes come from the chunk headers
 * (at most 2 MiB out and 64 KiB in per chunk), so output is reserved per chunk before
 * decoding and a bomb is stopped at the first chunk that would pass the limit.
 * Pure: no I/O.
 */
import type { DecodeOutput } from './output.js';
import { LzmaDecoder, parseLzmaProperties, xzError } from './lzma.js';

const END_OF_DATA = 0x00;
const STORED_RESET_DICTIONARY = 0x01;
const STORED = 0x02;
const LZMA_CHUNK = 0x80;
const LZMA_RESET_PROPERTIES = 0xc0;
const LZMA_RESET_DICTIONARY = 0xe0;

/** The dictionary size encoded in the LZMA2 filter's one property byte. */
export function lzma2DictionarySize(byte: number): number {
  if (byte > 40) throw xzError('LZMA2 dictionary size out of range');
  if (byte === 40) return 0xffffffff;
  return (2 | (byte & 1)) * 2 ** (Math.floor(byte / 2) + 11);
}

/**
 * Decode one LZMA2 stream starting at input[start], not reading at or past `end`.
 * Returns the offset just after its end-of-data byte.
 */
export function decodeLzma2(input: Uint8Array, start: number, end: number, out: DecodeOutput, dictionarySize: number): number {
  const lzma = new LzmaDecoder();
  let needDictionaryReset = true;
  let needProperties = true;
  let at = start;

  const need = (count: number): void => {
    if (at + count > end) throw xzError('LZMA2 data ends early');
  };

  for (;;) {
    need(1);
    const control = input[at++]!;
    if (control === END_OF_DATA) return at;

    if (control >= LZMA_RESET_DICTIONARY || control === STORED_RESET_DICTIONARY) {
      needDictionaryReset = false;
      needProperties = true;
      out.resetDictionary();
    } else if (needDictionaryReset) {
      throw xzError('LZMA2 data does not start with a dictionary reset');
    }

    if (control < LZMA_CHUNK) {
      if (control > STORED) throw xzError(`invalid LZMA2 control byte 0x${control.toString(16)}`);
      need(2);
      const size = ((input[at]! << 8) | input[at + 1]!) + 1;
      at += 2;
      need(size);
      out.reserve(size);
      out.buffer.set(input.subarray(at, at + size), out.position);
      out.position += size;
      at += size;
      continue;
    }

    need(4);
    const uncompressedSize = ((control & 0x1f) << 16) + ((input[at]! << 8) | input[at + 1]!) + 1;
    const compressedSize = ((input[at + 2]! << 8) | input[at + 3]!) + 1;
    at += 4;
    if (control >= LZMA_RESET_PROPERTIES) {
      need(1);
      lzma.setProperties(parseLzmaProperties(input[at++]!));
      needProperties = false;
    } else if (needProperties) {
      throw xzError('LZMA2 chunk after a dictionary reset does not set properties');
    }
    // 0xa0 and above reset the state; property and dictionary resets imply it.
    if (control >= 0xa0) lzma.resetState();
    need(compressedSize);
    out.reserve(uncompressedSize);
    lzma.decodeChunk(out, input, at, at + compressedSize, uncompressedSize, dictionarySize);
    at += compressedSize;
  }
}
