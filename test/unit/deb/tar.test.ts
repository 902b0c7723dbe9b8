// readTarFile against archives made by GNU tar in every format it writes, and
// against hand-made archives for what tar will not write (pax size overrides,
// duplicates, `..` names, links named control, broken headers).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DebError } from '../../../src/deb/index.js';
import { readTarFile } from '../../../src/deb/tar.js';
import { expectDebError, paxEntry, tarArchive, tarEntry, tarOf } from './tools.js';

const CONTROL = 'Package: hello\n';

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString();
}

describe('archives made by GNU tar', () => {
  test.each(['ustar', 'gnu', 'oldgnu', 'pax', 'v7'])('%s format, with and without a ./ prefix', (format) => {
    const files = { control: CONTROL, md5sums: 'abc  usr/x\n', postinst: '#!/bin/sh\n' };
    expect(text(readTarFile(tarOf(files, format), 'control'))).toBe(CONTROL);
    expect(text(readTarFile(tarOf(files, format, ['control', 'md5sums']), 'control'))).toBe(CONTROL);
  });

  test('long member names (GNU L records, pax path records, ustar prefixes) are read whole', () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;
    for (const format of ['gnu', 'pax', 'ustar']) {
      const tar = tarOf({ [`${deep}/control`]: 'not this one', control: CONTROL }, format);
      expect(text(readTarFile(tar, 'control')), format).toBe(CONTROL);
      expect(text(readTarFile(tar, `${deep}/control`)), format).toBe('not this one');
    }
  });

  test('a member larger than one block, and an archive without the wanted file', () => {
    const big = 'x'.repeat(5000);
    expect(text(readTarFile(tarOf({ control: big }), 'control'))).toBe(big);
    expect(readTarFile(tarOf({ md5sums: '' }), 'control')).toBeUndefined();
    expect(readTarFile(Buffer.alloc(0), 'control')).toBeUndefined();
  });
});

describe('hand-made archives', () => {
  test('a pax path record renames the next member only', () => {
    const tar = tarArchive([
      paxEntry({ path: './control' }),
      tarEntry({ name: 'ignored', data: CONTROL }),
      tarEntry({ name: 'ignored', data: 'second' }),
    ]);
    expect(text(readTarFile(tar, 'control'))).toBe(CONTROL);
    expect(text(readTarFile(tar, 'ignored'))).toBe('second');
  });

  test('a pax size record overrides the header size', () => {
    const tar = tarArchive([paxEntry({ size: String(CONTROL.length) }), tarEntry({ name: 'control', data: CONTROL, headerSize: 0 })]);
    expect(text(readTarFile(tar, 'control'))).toBe(CONTROL);
  });

  test('names are compared after dropping empty and "." components', () => {
    for (const name of ['control', './control', './/control', '././control', '/control']) {
      expect(text(readTarFile(tarArchive([tarEntry({ name, data: CONTROL })]), 'control')), name).toBe(CONTROL);
    }
  });

  test('a ustar prefix joins the name', () => {
    const tar = tarArchive([tarEntry({ name: 'control', prefix: '.', data: CONTROL })]);
    expect(text(readTarFile(tar, 'control'))).toBe(CONTROL);
  });

  test('data after the end-of-archive blocks is not read', () => {
    const tar = Buffer.concat([tarArchive([]), tarEntry({ name: 'control', data: CONTROL })]);
    expect(readTarFile(tar, 'control')).toBeUndefined();
  });

  test('two members named control are refused: readers would disagree on which counts', async () => {
    const tar = tarArchive([tarEntry({ name: './control', data: CONTROL }), tarEntry({ name: 'control', data: 'Package: evil\n' })]);
    await expectDebError(() => readTarFile(tar, 'control'), 'DEB_FORMAT');
  });

  test.each(['../control', 'x/../control', './../../etc/control'])('a member named %s is refused', async (name) => {
    await expectDebError(() => readTarFile(tarArchive([tarEntry({ name, data: CONTROL })]), 'control'), 'DEB_FORMAT');
  });

  test.each([
    ['symbolic link', '2'],
    ['hard link', '1'],
    ['directory', '5'],
    ['FIFO', '6'],
  ])('control as a %s is refused', async (_kind, type) => {
    await expectDebError(() => readTarFile(tarArchive([tarEntry({ name: 'control', type })]), 'control'), 'DEB_FORMAT');
  });

  test('a corrupted header checksum is refused', async () => {
    const tar = tarArchive([tarEntry({ name: 'control', data: CONTROL })]);
    tar[0] = 'C'.charCodeAt(0);
    await expectDebError(() => readTarFile(tar, 'control'), 'DEB_FORMAT');
  });

  test('a size beyond the archive, a cut header, or a malformed pax record is refused', async () => {
    const full = tarArchive([tarEntry({ name: 'control', data: CONTROL })]);
    await expectDebError(() => readTarFile(full.subarray(0, 300), 'control'), 'DEB_FORMAT');
    await expectDebError(() => readTarFile(tarEntry({ name: 'control', data: CONTROL, headerSize: 4096 }), 'control'), 'DEB_FORMAT');
    const badPax = tarArchive([tarEntry({ name: 'p', type: 'x', data: '99 path=control\n' }), tarEntry({ name: 'x', data: CONTROL })]);
    await expectDebError(() => readTarFile(badPax, 'control'), 'DEB_FORMAT');
    const badSize = tarArchive([paxEntry({ size: '-1' }), tarEntry({ name: 'control', data: CONTROL })]);
    await expectDebError(() => readTarFile(badSize, 'control'), 'DEB_FORMAT');
  });
});

describe('properties', () => {
  test('random bytes and mutated archives give a file, nothing, or a DebError', () => {
    const valid = tarOf({ control: CONTROL, md5sums: 'x' }, 'pax');
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
        const copy = Buffer.from(valid);
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      }),
    );
    fc.assert(
      fc.property(inputs, (tar) => {
        try {
          readTarFile(tar, 'control');
        } catch (e) {
          expect(e).toBeInstanceOf(DebError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
