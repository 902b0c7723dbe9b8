// hashFile against coreutils' sha256sum, sha512sum and md5sum, its memory use on a
// large file, and the digest comparison.
import { randomBytes } from 'node:crypto';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { digestsEqual, hashFile } from '../../../src/deb/index.js';
import { expectDebError, makeTempDir, run } from './tools.js';

const dir = makeTempDir('hash');
afterAll(() => dir.remove());

function coreutils(tool: string, path: string): string {
  return run(tool, [path]).toString().split(' ')[0]!;
}

describe('hashFile', () => {
  const MIB = 1024 * 1024;
  test.each([0, 1, 55, 64, MIB - 1, MIB, MIB + 1, 3 * MIB + 17])('%i bytes match coreutils', async (size) => {
    const path = join(dir.path, `file-${size}`);
    writeFileSync(path, randomBytes(size));
    expect(await hashFile(path)).toEqual({
      sha256: coreutils('sha256sum', path),
      sha512: coreutils('sha512sum', path),
      md5: coreutils('md5sum', path),
      size,
    });
  });

  test('memory stays flat while hashing a 128 MiB file', async () => {
    const path = join(dir.path, 'large');
    writeFileSync(path, '');
    truncateSync(path, 128 * MIB);
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 5);
    try {
      const digests = await hashFile(path);
      expect(digests.size).toBe(128 * MIB);
      expect(digests.sha256).toBe(coreutils('sha256sum', path));
    } finally {
      clearInterval(sampler);
    }
    // A reader that buffered the file would show hundreds of MiB here.
    expect(peak - baseline).toBeLessThan(16 * MIB);
  });

  test('a missing file, a directory and a FIFO are DEB_IO (the FIFO must not hang)', async () => {
    await expectDebError(hashFile(join(dir.path, 'missing.deb')), 'DEB_IO');
    const sub = join(dir.path, 'sub.deb');
    mkdirSync(sub);
    await expectDebError(hashFile(sub), 'DEB_IO');
    const fifo = join(dir.path, 'fifo.deb');
    run('mkfifo', [fifo]);
    await expectDebError(hashFile(fifo), 'DEB_IO');
  });
});

describe('digestsEqual', () => {
  const a = 'ab'.repeat(32);
  test('equal values in any case', () => {
    expect(digestsEqual(a, a)).toBe(true);
    expect(digestsEqual(a, a.toUpperCase())).toBe(true);
  });

  test.each([
    ['a different digest', 'ab'.repeat(31) + 'ac'],
    ['a truncated digest', 'ab'.repeat(31)],
    ['an empty string', ''],
    ['non-hex of the same length', 'zz'.repeat(32)],
    ['an odd length', `${a}a`],
  ])('never matches %s', (_what, b) => {
    expect(digestsEqual(a, b)).toBe(false);
    expect(digestsEqual(b, a)).toBe(false);
  });

  test('two empty strings do not match', () => {
    expect(digestsEqual('', '')).toBe(false);
  });
});
