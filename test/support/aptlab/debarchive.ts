/**
 * The .deb binary format written in-process: an ar archive of `debian-binary`,
 * `control.tar.gz` (or a control member the caller compresses) and `data.tar.gz`
 * (deb(5)), with ustar members owned by root:root and `./`-prefixed names, as
 * `dpkg-deb --root-owner-group` makes them.
 * Several times cheaper than spawning dpkg-deb, which forks tar and a compressor
 * per package (measured: 200 packages in 0.5-1.2 s against 4-6 s, on a busy
 * two-core machine). The self-test checks that dpkg-deb reads the same contents
 * and control fields from both.
 *
 * Pure: takes entries and a timestamp, returns bytes. Does not write symlinks,
 * hard links, device files or names longer than ustar holds.
 */
import { gzipSync } from 'node:zlib';
import { AptlabError } from './errors.js';

export interface ArchiveEntry {
  /** Path relative to the archive root, without `./` and without a trailing slash. */
  readonly path: string;
  /** File content; undefined makes a directory. */
  readonly content?: Buffer;
  readonly mode: number;
}

const BLOCK = 512;

/** The control member's name and bytes, from the control tar. */
export type ControlCompressor = (tar: Buffer) => readonly [name: string, bytes: Buffer];

const gzipControl: ControlCompressor = (tar) => ['control.tar.gz', gzipSync(tar, { level: 9 })];

/**
 * A complete .deb: control entries (`control`, ...) and data entries, all stamped
 * with `mtime`; the control tar gzip-compressed unless `compressControl` says otherwise.
 */
export function debArchive(
  control: readonly ArchiveEntry[],
  data: readonly ArchiveEntry[],
  mtime: number,
  gzipLevel: number,
  compressControl: ControlCompressor = gzipControl,
): Buffer {
  return arArchive(
    [
      ['debian-binary', Buffer.from('2.0\n')],
      compressControl(tarArchive(control, mtime)),
      ['data.tar.gz', gzipSync(tarArchive(data, mtime), { level: gzipLevel })],
    ],
    mtime,
  );
}

/** A ustar archive: `./` first, then the entries in the order given, then two zero blocks. */
export function tarArchive(entries: readonly ArchiveEntry[], mtime: number): Buffer {
  const parts: Buffer[] = [tarHeader('./', 0o755, 0, mtime, '5')];
  for (const e of entries) {
    if (e.content === undefined) {
      parts.push(tarHeader(`./${e.path}/`, e.mode, 0, mtime, '5'));
    } else {
      parts.push(tarHeader(`./${e.path}`, e.mode, e.content.length, mtime, '0'), e.content);
      const pad = (BLOCK - (e.content.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function tarHeader(name: string, mode: number, size: number, mtime: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, base] = splitUstarName(name);
  h.write(base, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid root
  octal(h, 116, 8, 0); // gid root
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  // The checksum is computed with its own field read as eight spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function splitUstarName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.lastIndexOf('/', name.length - 2); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return [prefix, base];
  }
  throw new AptlabError('APTLAB_BAD_SPEC', `path ${name} is too long for a ustar header`);
}

function octal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

/** ar(5) as dpkg writes it: space-padded names without a trailing slash, even-aligned members. */
function arArchive(members: ReadonlyArray<readonly [string, Buffer]>, mtime: number): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const [name, body] of members) {
    const header =
      name.padEnd(16) +
      String(mtime).padEnd(12) +
      '0'.padEnd(6) +
      '0'.padEnd(6) +
      '100644'.padEnd(8) +
      String(body.length).padEnd(10) +
      '`\n';
    parts.push(Buffer.from(header, 'ascii'), body);
    if (body.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}
