// The xz decoder against the real thing: everything here is compressed by the xz
// CLI (XZ Utils) at test time, so the decoder is checked against liblzma's encoder
// for every preset, literal/position setting, chunk kind and integrity check.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32, crc64 } from '../../../src/deb/xz/crc.js';
import { decodeLzma2 } from '../../../src/deb/xz/lzma2.js';
import { DecodeOutput } from '../../../src/deb/xz/output.js';
import { decodeXz } from '../../../src/deb/xz/xz.js';
import { spawnSync } from 'node:child_process';
import { expectDebError, run } from './tools.js';

const LIMIT = 64 * 1024 * 1024;

function xz(data: Uint8Array, ...options: string[]): Buffer {
  return run('xz', ['-c', '--format=xz', ...options], { input: data });
}

function decode(compressed: Uint8Array, limit = LIMIT): Buffer {
  return Buffer.from(decodeXz(compressed, limit));
}

/** Deterministic pseudo-random bytes, so the large cases are the same on every run. */
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function text(size: number): Buffer {
  const words = ['Package', 'Version', 'Depends', 'libc6', '(>=', '2.36)', 'amd64', '\n', ' ', 'Description:'];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const word = words[(i * 7 + (i >> 3)) % words.length]!;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/**
 * The LZMA2 chunk kinds of a single-block .xz (control bytes without the size bits
 * of LZMA chunks), to prove that a case really exercises the chunks it claims to.
 */
function chunkControls(compressed: Buffer): number[] {
  let at = 12 + (compressed[12]! + 1) * 4;
  const controls: number[] = [];
  for (;;) {
    const control = compressed[at]!;
    controls.push(control < 0x80 ? control : control & 0xe0);
    if (control === 0) return controls;
    if (control < 0x80) {
      at += 3 + compressed.readUInt16BE(at + 1) + 1;
    } else {
      at += 5 + (control >= 0xc0 ? 1 : 0) + compressed.readUInt16BE(at + 3) + 1;
    }
  }
}

/** Data shaped like real files: runs, repeats of earlier data, text and noise. */
const shapedData = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.record({ byte: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ back: fc.nat(), length: fc.integer({ min: 2, max: 600 }) }),
      fc.integer({ min: 1, max: 2000 }).map((n) => ({ text: n })),
    ),
    { maxLength: 40 },
  )
  .map((segments) => {
    const parts: Buffer[] = [];
    let all = Buffer.alloc(0);
    for (const segment of segments) {
      let part: Buffer;
      if (segment instanceof Uint8Array) part = Buffer.from(segment);
      else if ('byte' in segment) part = Buffer.alloc(segment.count, segment.byte);
      else if ('text' in segment) part = text(segment.text);
      else {
        const start = all.length === 0 ? 0 : segment.back % all.length;
        part = Buffer.from(all.subarray(start, start + segment.length));
      }
      parts.push(part);
      all = Buffer.concat(parts);
    }
    return all;
  });

describe('crc', () => {
  test('matches the standard check values for "123456789"', () => {
    const input = Buffer.from('123456789');
    expect(crc32(input)).toBe(0xcbf43926);
    expect(Buffer.from(crc64(input)).readBigUInt64LE()).toBe(0x995dc9bbdf1939fan);
  });
});

describe('decodeXz round-trips the xz CLI', () => {
  test.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('random data at preset %i', (preset) => {
    fc.assert(
      fc.property(shapedData, fc.boolean(), (data, extreme) => {
        const compressed = xz(data, `--lzma2=preset=${preset}${extreme ? 'e' : ''}`);
        expect(decode(compressed).equals(data)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  test('every literal-context, literal-position and position-bits setting', () => {
    const settings = fc
      .record({ lc: fc.integer({ min: 0, max: 4 }), lp: fc.integer({ min: 0, max: 4 }), pb: fc.integer({ min: 0, max: 4 }) })
      .filter(({ lc, lp }) => lc + lp <= 4);
    fc.assert(
      fc.property(shapedData, settings, (data, { lc, lp, pb }) => {
        const compressed = xz(data, `--lzma2=preset=6,lc=${lc},lp=${lp},pb=${pb}`);
        expect(decode(compressed).equals(data)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test.each(['none', 'crc32', 'crc64', 'sha256'])('integrity check %s', (check) => {
    const data = text(10_000);
    expect(decode(xz(data, `--check=${check}`)).equals(data)).toBe(true);
  });

  test('empty input', () => {
    expect(decode(xz(Buffer.alloc(0))).length).toBe(0);
  });

  test('LZMA chunks split at the 2 MiB uncompressed limit continue without a reset (0xe0, 0x80)', () => {
    const data = Buffer.concat([text(2 * 1024 * 1024 + 1), text(70_000)]);
    const compressed = xz(data, '-6');
    const controls = chunkControls(compressed);
    expect(controls[0]).toBe(0xe0);
    expect(controls).toContain(0x80);
    expect(decode(compressed).equals(data)).toBe(true);
  });

  test('incompressible data becomes stored chunks (0x01, 0x02), then LZMA with new properties (0xc0)', () => {
    const data = Buffer.concat([noise(200_000, 1), text(300_000)]);
    const compressed = xz(data, '-6');
    const controls = chunkControls(compressed);
    expect(controls.slice(0, 2)).toEqual([0x01, 0x02]);
    expect(controls).toContain(0xc0);
    expect(decode(compressed).equals(data)).toBe(true);
  });

  test('a stored chunk between LZMA chunks is followed by a state reset (0xa0)', () => {
    const data = Buffer.concat([text(100_000), noise(300_000, 2), text(100_000)]);
    const compressed = xz(data, '-6');
    const controls = chunkControls(compressed);
    expect(controls[0]).toBe(0xe0);
    expect(controls).toContain(0x02);
    expect(controls).toContain(0xa0);
    expect(decode(compressed).equals(data)).toBe(true);
  });

  test('sizes around the 64 KiB compressed-chunk boundary', () => {
    for (const size of [65535, 65536, 65537, 131072, 131073]) {
      const data = noise(size, size);
      expect(decode(xz(data, '-0')).equals(data), `size ${size}`).toBe(true);
    }
  });

  test('several blocks (as multi-threaded xz writes) and their index', () => {
    const data = Buffer.concat([text(300_000), noise(50_000, 3), text(300_000)]);
    const compressed = xz(data, '-T2', '--block-size=100000');
    expect(decode(compressed).equals(data)).toBe(true);
  });

  test('concatenated streams with stream padding between and after them', () => {
    const first = text(5000);
    const second = noise(3000, 4);
    const padding = Buffer.alloc(8);
    const joined = Buffer.concat([xz(first), padding, xz(second, '--check=crc32'), padding]);
    expect(decode(joined).equals(Buffer.concat([first, second]))).toBe(true);
  });
});

describe('decodeXz refuses what it must not decode', () => {
  const sample = xz(text(20_000));

  test('any single corrupted byte is DEB_XZ', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(sample.length - 1), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const corrupted = Buffer.from(sample);
        corrupted[at]! ^= mask;
        await expectDebError(() => decode(corrupted), 'DEB_XZ');
      }),
      { numRuns: 300 },
    );
  });

  test('every truncation is DEB_XZ', async () => {
    for (let length = 0; length < sample.length; length++) {
      await expectDebError(() => decode(sample.subarray(0, length)), 'DEB_XZ');
    }
  });

  test('stream padding that is not a multiple of four, or trailing garbage', async () => {
    await expectDebError(() => decode(Buffer.concat([sample, Buffer.alloc(3)])), 'DEB_XZ');
    await expectDebError(() => decode(Buffer.concat([sample, Buffer.from('garbage!')])), 'DEB_XZ');
  });

  test('a compression bomb stops at the limit with DEB_TOO_LARGE', async () => {
    const bomb = xz(Buffer.alloc(100 * 1024 * 1024), '-0');
    expect(bomb.length).toBeLessThan(100_000);
    const started = performance.now();
    await expectDebError(() => decode(bomb, 16 * 1024 * 1024), 'DEB_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  // These two rewrite valid streams (with no integrity check, so only the distance
  // checks can notice) so that a match reaches outside the dictionary it may use.
  test('a match reaching back past a dictionary reset is DEB_XZ', async () => {
    // Random bytes become stored chunks; their repeat is one LZMA chunk (0xc0) whose
    // match reaches back into them. Turning 0xc0 into 0xe0 adds only a dictionary
    // reset: with lc=lp=pb=0 no context depends on the position or the previous byte,
    // so everything decodes the same until that match, which must now be refused.
    const random = noise(100_000, 5);
    const compressed = xz(Buffer.concat([random, random]), '--lzma2=preset=6,lc=0,lp=0,pb=0', '--check=none');
    let at = 12 + (compressed[12]! + 1) * 4;
    while (compressed[at]! < 0x80) at += 3 + compressed.readUInt16BE(at + 1) + 1;
    expect(compressed[at]! & 0xe0).toBe(0xc0);
    expect(decode(compressed).equals(Buffer.concat([random, random]))).toBe(true);
    compressed[at]! |= 0xe0;
    await expectDebError(() => decode(compressed), 'DEB_XZ');
  });

  test('a match farther back than the declared dictionary size is DEB_XZ', async () => {
    const random = noise(50_000, 6);
    const compressed = xz(Buffer.concat([random, random]), '--lzma2=preset=6', '--check=none');
    expect(decode(compressed).length).toBe(100_000);
    // The block header's dictionary byte (offset 12 + 4 here) set to 0, i.e. 4 KiB,
    // and the header CRC32 recomputed so only the distance check can object.
    const headerSize = (compressed[12]! + 1) * 4;
    const dictionaryAt = compressed.indexOf(0x21, 13) + 2;
    compressed[dictionaryAt] = 0;
    compressed.writeUInt32LE(crc32(compressed, 12, 12 + headerSize - 4), 12 + headerSize - 4);
    await expectDebError(() => decode(compressed), 'DEB_XZ');
  });

  test('filter chains (BCJ) and legacy .lzma files', async () => {
    await expectDebError(() => decode(xz(text(1000), '--x86', '--lzma2')), 'DEB_XZ');
    await expectDebError(() => decode(run('xz', ['-c', '--format=lzma'], { input: text(1000) })), 'DEB_XZ');
  });

  test('random bytes after a valid stream header are DEB_XZ', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (tail) => {
        await expectDebError(() => decode(Buffer.concat([sample.subarray(0, 12), tail])), 'DEB_XZ');
      }),
      { numRuns: 300 },
    );
  });
});

// Raw LZMA2 streams (xz --format=raw) edited chunk by chunk. With lc=lp=pb=0 the
// LZMA decoder's defaults equal the real properties, so each edit below would decode
// to the original data if the rule it breaks were not enforced. Each edit is also
// shown to be refused by xz itself: we accept what liblzma accepts.
describe('LZMA2 chunk rules, as liblzma enforces them', () => {
  const FILTER = '--lzma2=preset=6,lc=0,lp=0,pb=0';
  const DICTIONARY = 8 * 1024 * 1024;

  function raw(data: Uint8Array): Buffer {
    return run('xz', ['-c', '--format=raw', FILTER], { input: data });
  }

  function decodeRaw(stream: Uint8Array): Buffer {
    const out = new DecodeOutput(LIMIT, 1024);
    const end = decodeLzma2(stream, 0, stream.length, out, DICTIONARY);
    expect(end).toBe(stream.length);
    return Buffer.from(out.bytes());
  }

  function xzRefuses(stream: Uint8Array): boolean {
    return spawnSync('xz', ['-dc', '--format=raw', FILTER], { input: stream }).status !== 0;
  }

  /** Offsets of the chunk headers, in order (the end byte excluded). */
  function chunkOffsets(stream: Buffer): number[] {
    const offsets: number[] = [];
    for (let at = 0; stream[at] !== 0; ) {
      offsets.push(at);
      const control = stream[at]!;
      at += control < 0x80 ? 3 + stream.readUInt16BE(at + 1) + 1 : 5 + (control >= 0xc0 ? 1 : 0) + stream.readUInt16BE(at + 3) + 1;
    }
    return offsets;
  }

  test('the unedited streams decode', () => {
    const data = Buffer.concat([noise(100_000, 7), text(50_000)]);
    expect(decodeRaw(raw(data)).equals(data)).toBe(true);
  });

  test('the first chunk must reset the dictionary', async () => {
    const stream = raw(text(10_000));
    expect(stream[0]! & 0xe0).toBe(0xe0);
    stream[0] = (stream[0]! & 0x1f) | 0xc0;
    expect(xzRefuses(stream)).toBe(true);
    await expectDebError(() => decodeRaw(stream), 'DEB_XZ');
  });

  test('the first LZMA chunk after a dictionary reset must set properties', async () => {
    const stream = raw(Buffer.concat([noise(100_000, 8), text(50_000)]));
    const lzmaAt = chunkOffsets(stream).find((at) => stream[at]! >= 0x80)!;
    expect(stream[0]).toBe(0x01);
    expect(stream[lzmaAt]! & 0xe0).toBe(0xc0);
    // 0xc0 with a properties byte becomes 0xa0 (state reset only) without it.
    const edited = Buffer.concat([stream.subarray(0, lzmaAt), Buffer.from([(stream[lzmaAt]! & 0x1f) | 0xa0]), stream.subarray(lzmaAt + 1, lzmaAt + 5), stream.subarray(lzmaAt + 6)]);
    expect(xzRefuses(edited)).toBe(true);
    await expectDebError(() => decodeRaw(edited), 'DEB_XZ');
  });

  test('a match may not run past the end of its chunk', async () => {
    const stream = raw(Buffer.concat([text(5000), text(5000)]));
    const [at] = chunkOffsets(stream);
    // One byte less in the chunk's uncompressed size cuts its final match short.
    expect(stream.readUInt16BE(at! + 1)).toBeGreaterThan(0);
    stream.writeUInt16BE(stream.readUInt16BE(at! + 1) - 1, at! + 1);
    expect(xzRefuses(stream)).toBe(true);
    await expectDebError(() => decodeRaw(stream), 'DEB_XZ');
  });
});

describe('xz container fields covered by their own CRC', () => {
  test('a footer whose backward size does not match the index is DEB_XZ', async () => {
    const compressed = xz(text(5000));
    const footer = compressed.length - 12;
    compressed.writeUInt32LE(compressed.readUInt32LE(footer + 4) + 1, footer + 4);
    compressed.writeUInt32LE(crc32(compressed, footer + 4, footer + 10), footer);
    await expectDebError(() => decode(compressed), 'DEB_XZ');
  });
});
