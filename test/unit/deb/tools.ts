/**
 * Test helpers for src/deb: run the real Debian tools (xz, dpkg-deb, tar, ...) and
 * build .deb files, by dpkg-deb or byte by byte, in a per-suite temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { DebError, type DebErrorCode } from '../../../src/deb/index.js';

/** Run a tool and return its stdout; any failure fails the test with its stderr. */
export function run(command: string, args: string[], options: { input?: Uint8Array; cwd?: string } = {}): Buffer {
  const result = spawnSync(command, args, {
    input: options.input,
    cwd: options.cwd,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return result.stdout;
}

export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `reprogate-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Resolve to a DebError with `code`, and to nothing else. */
export async function expectDebError(promise: Promise<unknown> | (() => unknown), code: DebErrorCode): Promise<DebError> {
  let outcome: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
    outcome = 'no error';
  } catch (e) {
    outcome = e;
  }
  expect(outcome).toBeInstanceOf(DebError);
  expect((outcome as DebError).code, (outcome as DebError).message).toBe(code);
  return outcome as DebError;
}

export interface ArMember {
  name: string;
  data: Uint8Array;
}

/** An ar archive in the common format dpkg-deb writes (names padded with spaces). */
export function arArchive(members: ArMember[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const { name, data } of members) {
    const header =
      name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(data.length).padEnd(10) + '`\n';
    parts.push(Buffer.from(header, 'latin1'), Buffer.from(data));
    if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A tar of `files` (name -> content) made by GNU tar in `format` (ustar, gnu, pax, ...). */
export function tarOf(files: Record<string, string | Uint8Array>, format = 'gnu', names?: string[]): Buffer {
  const dir = makeTempDir('tar');
  try {
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir.path, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
    }
    return run('tar', ['-c', `--format=${format}`, '--owner=0', '--group=0', '-f', '-', ...(names ?? Object.keys(files).map((n) => `./${n}`))], {
      cwd: dir.path,
    });
  } finally {
    dir.remove();
  }
}

/** A .deb assembled byte by byte: debian-binary, the given control member, and an empty data.tar. */
export function handmadeDeb(controlMember: ArMember, options: { before?: ArMember[] } = {}): Buffer {
  return arArchive([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    ...(options.before ?? []),
    controlMember,
    { name: 'data.tar', data: tarOf({}, 'gnu', ['--files-from=/dev/null']) },
  ]);
}

export const MINIMAL_CONTROL = 'Package: hello\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: T <t@example.org>\nDescription: test\n';

export const VECTOR_DEB = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared/vectors/rebuilderd/librust-as-slice-dev_0.2.1-1+b2_amd64.deb');

export interface TarEntry {
  name: string;
  data?: Uint8Array | string;
  /** Type flag: '0' file, '5' directory, '2' symlink, 'x' pax, 'L' GNU long name, ... */
  type?: string;
  /** Size written in the header, when it must differ from the data's. */
  headerSize?: number;
  prefix?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
}

/** One tar member written byte by byte, for archives GNU tar will not make. */
export function tarEntry(entry: TarEntry): Buffer {
  const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data ?? []);
  const header = Buffer.alloc(512);
  header.write(entry.name, 0, 100, 'latin1');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${(entry.headerSize ?? data.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write(entry.type ?? '0', 156, 'latin1');
  if (entry.magic !== 'v7') header.write(entry.magic === 'gnu' ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  if (entry.prefix !== undefined) header.write(entry.prefix, 345, 155, 'latin1');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

/** A pax extended-header member carrying `records`. */
export function paxEntry(records: Record<string, string>): Buffer {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = rest.length + 1;
    while (String(length).length + rest.length !== length) length = String(length).length + rest.length;
    body += `${length}${rest}`;
  }
  return tarEntry({ name: 'PaxHeaders/x', data: body, type: 'x' });
}

export function tarArchive(entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/**
 * A .deb built by dpkg-deb from `control`, with `-Z<compression>`; bookworm's
 * dpkg-deb compresses control.tar the same way (uniform compression).
 */
export function dpkgDeb(workDir: string, control: string, compression: 'xz' | 'gzip' | 'none' | 'zstd' = 'xz'): string {
  const root = mkdtempSync(join(workDir, 'root-'));
  mkdirSync(join(root, 'DEBIAN'));
  mkdirSync(join(root, 'usr/share/doc/example'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), control);
  writeFileSync(join(root, 'usr/share/doc/example/README'), 'example\n'.repeat(100));
  const out = `${root}.deb`;
  run('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out]);
  return out;
}

export function arMemberNames(path: string): string[] {
  return run('ar', ['t', path]).toString().trim().split('\n');
}

/** Offset just past the control member of a .deb whose first member is a 4-byte debian-binary. */
export function controlMemberEnd(deb: Buffer): number {
  const header = 8 + 60 + 4;
  return header + 60 + Number(deb.subarray(header + 48, header + 58).toString('latin1').trim());
}
