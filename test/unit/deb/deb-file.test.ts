// openDebFile: hashing and identity through one handle give what hashFile and
// readDebIdentity give, in either order or at once, and the file is refused or
// reported just as they refuse or report it.
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, openDebFile, readDebIdentity } from '../../../src/deb/index.js';
import { VECTOR_DEB, controlMemberEnd, dpkgDeb, expectDebError, makeTempDir } from './tools.js';

const work = makeTempDir('deb-file');
afterAll(() => work.remove());

describe('openDebFile', () => {
  it('hashes and reads the identity of the real rebuilderd vector, as the separate readers do', async () => {
    const expected = { digests: await hashFile(VECTOR_DEB, ['sha512']), identity: await readDebIdentity(VECTOR_DEB) };
    const first = await openDebFile(VECTOR_DEB);
    try {
      expect({ digests: await first.hash(['sha512']), identity: await first.identity() }).toEqual(expected);
      // Again, identity first and then both at once: reads by position share the handle.
      expect(await first.identity()).toEqual(expected.identity);
      const [digests, identity] = await Promise.all([first.hash(['sha512']), first.identity()]);
      expect({ digests, identity }).toEqual(expected);
    } finally {
      await first.close();
    }
  });

  it('reads the identity of a hashed file from the bytes hashed, not from the file again', async () => {
    const path = dpkgDeb(work.path, 'Package: first\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: d\n', 'none');
    const file = await openDebFile(path);
    try {
      const digests = await file.hash([]);
      // Swap the package name on disk after hashing (same length, so the archive stays well-formed).
      const bytes = readFileSync(path);
      const at = bytes.indexOf('Package: first');
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.from('Package: other'), 0, 14, at);
      closeSync(fd);
      expect((await readDebIdentity(path)).package).toBe('other');
      expect((await file.identity()).package).toBe('first');
      expect((await hashFile(path, [])).sha256).not.toBe(digests.sha256);
    } finally {
      await file.close();
    }
  });

  it('reads a control member larger than the bytes kept from hashing from the file', async () => {
    const description = ` ${'x'.repeat(70)}\n`.repeat(1500); // ~108 kB of control file, stored uncompressed
    const path = dpkgDeb(work.path, `Package: large\nVersion: 2.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: big\n${description}`, 'none');
    expect(controlMemberEnd(readFileSync(path))).toBeGreaterThan(64 * 1024);
    const file = await openDebFile(path);
    try {
      await file.hash([]);
      expect(await file.identity()).toEqual(await readDebIdentity(path));
      expect((await file.identity()).package).toBe('large');
    } finally {
      await file.close();
    }
  });

  it('refuses what is not a regular file, and reports a file that is not a .deb only when asked for its identity', async () => {
    await expectDebError(openDebFile(join(work.path, 'missing.deb')), 'DEB_IO');
    await expectDebError(openDebFile(work.path), 'DEB_IO');
    const fifo = join(work.path, 'fifo.deb');
    execFileSync('mkfifo', [fifo]);
    await expectDebError(openDebFile(fifo), 'DEB_IO');

    const text = join(work.path, 'text.deb');
    writeFileSync(text, 'not an archive');
    const file = await openDebFile(text);
    try {
      expect((await file.hash([])).size).toBe(14);
      await expect(file.identity()).rejects.toMatchObject({ name: 'DebError' });
    } finally {
      await file.close();
    }
  });
});
