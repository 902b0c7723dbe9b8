// readDebIdentity on packages built by dpkg-deb at test time (every control.tar
// compression it writes), on the real rebuilderd vector, and on malformed archives
// built byte by byte: each failure has its code.
import { gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { DebError, debFileName, debIdentityFromBytes, readDebIdentity } from '../../../src/deb/index.js';
import {
  MINIMAL_CONTROL,
  VECTOR_DEB,
  arArchive,
  arMemberNames,
  controlMemberEnd,
  dpkgDeb,
  expectDebError,
  handmadeDeb,
  makeTempDir,
  run,
  tarArchive,
  tarEntry,
  tarOf,
} from './tools.js';

const work = makeTempDir('identity');
afterAll(() => work.remove());

const control = (fields: string) => `${fields}Maintainer: Test <test@example.org>\nDescription: test package\n`;

/** A control.tar.xz member holding `text` as ./control. */
function xzControlMember(text: string) {
  return { name: 'control.tar.xz', data: run('xz', ['-c'], { input: tarOf({ control: text }) }) };
}

describe('packages built by dpkg-deb', () => {
  test.each([
    ['xz', 'control.tar.xz'],
    ['gzip', 'control.tar.gz'],
    ['none', 'control.tar'],
  ] as const)('-Z%s writes %s and we read it', async (compression, member) => {
    const path = dpkgDeb(work.path, control('Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n'), compression);
    expect(arMemberNames(path)[1]).toBe(member);
    expect(await readDebIdentity(path)).toEqual({
      package: 'hello',
      version: '2.10-3',
      architecture: 'amd64',
      source: { name: 'hello', version: '2.10-3' },
    });
  });

  test('an epoch is kept in the identity and left out of the file name', async () => {
    const path = dpkgDeb(work.path, control('Package: foo\nVersion: 1:2.0-1\nArchitecture: all\n'));
    const identity = await readDebIdentity(path);
    expect(identity.version).toBe('1:2.0-1');
    expect(debFileName(identity)).toBe('foo_2.0-1_all.deb');
  });

  test('a binNMU names its source and the source version', async () => {
    const path = dpkgDeb(work.path, control('Package: libfoo1\nSource: foo (0.2.1-1)\nVersion: 0.2.1-1+b2\nArchitecture: arm64\nMulti-Arch: same\n'));
    expect(await readDebIdentity(path)).toEqual({
      package: 'libfoo1',
      version: '0.2.1-1+b2',
      architecture: 'arm64',
      source: { name: 'foo', version: '0.2.1-1' },
      multiArch: 'same',
    });
  });

  test('a binary whose source name and version differ, Architecture all', async () => {
    const path = dpkgDeb(work.path, control('Package: foo-doc\nSource: foo (1.0-1)\nVersion: 3.0\nArchitecture: all\nMulti-Arch: foreign\n'), 'gzip');
    expect(await readDebIdentity(path)).toMatchObject({ package: 'foo-doc', version: '3.0', architecture: 'all', source: { name: 'foo', version: '1.0-1' } });
  });

  test('-Zzstd is refused, naming the compression', async () => {
    const path = dpkgDeb(work.path, control('Package: hello\nVersion: 1.0\nArchitecture: amd64\n'), 'zstd');
    expect(arMemberNames(path)[1]).toBe('control.tar.zst');
    const error = await expectDebError(readDebIdentity(path), 'DEB_UNSUPPORTED_COMPRESSION');
    expect(error.message).toContain('zstd');
  });

  test('the same identity from bytes in memory', async () => {
    const path = dpkgDeb(work.path, control('Package: hello\nVersion: 1.0\nArchitecture: amd64\n'));
    expect(await debIdentityFromBytes(readFileSync(path))).toEqual(await readDebIdentity(path));
  });
});

describe('real-world vector', () => {
  test('librust-as-slice-dev from Debian (binNMU, control.tar.xz)', async () => {
    expect(await readDebIdentity(VECTOR_DEB)).toEqual({
      package: 'librust-as-slice-dev',
      version: '0.2.1-1+b2',
      architecture: 'amd64',
      source: { name: 'rust-as-slice', version: '0.2.1-1' },
      multiArch: 'same',
    });
  });
});

describe('hand-made archives dpkg-deb would not write', () => {
  test('members named as GNU ar names them (trailing slash) and a skipped _ member', async () => {
    const deb = arArchive([
      { name: 'debian-binary/', data: Buffer.from('2.0\n') },
      { name: '_gpgorigin', data: Buffer.from('signature') },
      { name: 'control.tar.gz/', data: gzipSync(tarOf({ control: MINIMAL_CONTROL })) },
    ]);
    expect((await debIdentityFromBytes(deb)).package).toBe('hello');
  });

  test('a pax-format control.tar and an unprefixed control name', async () => {
    const tar = tarOf({ control: MINIMAL_CONTROL, md5sums: '' }, 'pax', ['md5sums', 'control']);
    expect((await debIdentityFromBytes(handmadeDeb({ name: 'control.tar', data: tar }))).package).toBe('hello');
  });

  test('debian-binary 2.1 is read; data member never needed', async () => {
    const deb = arArchive([
      { name: 'debian-binary', data: Buffer.from('2.1\n') },
      xzControlMember(MINIMAL_CONTROL),
    ]);
    expect((await debIdentityFromBytes(deb)).package).toBe('hello');
  });
});

describe('malformed packages', () => {
  const good = readFileSync(dpkgDeb(work.path, control('Package: hello\nVersion: 1.0\nArchitecture: amd64\n')));

  test('not an ar archive', async () => {
    await expectDebError(debIdentityFromBytes(Buffer.alloc(0)), 'DEB_NOT_AR');
    await expectDebError(debIdentityFromBytes(Buffer.from('!<arch>')), 'DEB_NOT_AR');
    await expectDebError(debIdentityFromBytes(Buffer.from('PK\x03\x04 this is a zip file')), 'DEB_NOT_AR');
    await expectDebError(debIdentityFromBytes(gzipSync(good)), 'DEB_NOT_AR');
  });

  test('every truncation before the end of the control member has a code', async () => {
    const controlEnd = controlMemberEnd(good);
    for (let length = 0; length < good.length; length++) {
      const prefix = good.subarray(0, length);
      if (length >= controlEnd) {
        // The identity comes from the control member alone; integrity is the hash's job.
        expect((await debIdentityFromBytes(prefix)).package).toBe('hello');
      } else {
        const expected = length < 8 ? 'DEB_NOT_AR' : length === 8 ? 'DEB_FORMAT' : length === 8 + 60 + 4 ? 'DEB_NO_CONTROL' : 'DEB_FORMAT';
        await expectDebError(debIdentityFromBytes(prefix), expected);
      }
    }
  });

  test('a truncated file on disk', async () => {
    const path = join(work.path, 'truncated.deb');
    writeFileSync(path, good.subarray(0, 100));
    await expectDebError(readDebIdentity(path), 'DEB_FORMAT');
  });

  test('wrong first member, wrong format version, corrupt ar header', async () => {
    const member = xzControlMember(MINIMAL_CONTROL);
    await expectDebError(debIdentityFromBytes(arArchive([member])), 'DEB_FORMAT');
    await expectDebError(debIdentityFromBytes(arArchive([{ name: 'debian-binary', data: Buffer.from('3.0\n') }, member])), 'DEB_FORMAT');
    await expectDebError(debIdentityFromBytes(arArchive([{ name: 'debian-binary', data: Buffer.from('2.0'.padEnd(100)) }, member])), 'DEB_FORMAT');
    const corrupt = Buffer.from(good);
    corrupt[8 + 58] = 0x20;
    await expectDebError(debIdentityFromBytes(corrupt), 'DEB_FORMAT');
    const badSize = Buffer.from(good);
    badSize.write('12x4      ', 8 + 48, 'latin1');
    await expectDebError(debIdentityFromBytes(badSize), 'DEB_FORMAT');
  });

  test('no control member, or another member where it must be', async () => {
    const debianBinary = { name: 'debian-binary', data: Buffer.from('2.0\n') };
    await expectDebError(debIdentityFromBytes(arArchive([debianBinary])), 'DEB_NO_CONTROL');
    const data = { name: 'data.tar.xz', data: Buffer.from('x') };
    await expectDebError(debIdentityFromBytes(arArchive([debianBinary, data, xzControlMember(MINIMAL_CONTROL)])), 'DEB_NO_CONTROL');
  });

  test('a control.tar without a control file', async () => {
    await expectDebError(debIdentityFromBytes(handmadeDeb({ name: 'control.tar', data: tarOf({ md5sums: '' }) })), 'DEB_NO_CONTROL');
  });

  test('a control.tar with two control files, or control as a symlink', async () => {
    const twice = tarArchive([tarEntry({ name: './control', data: MINIMAL_CONTROL }), tarEntry({ name: 'control', data: MINIMAL_CONTROL })]);
    await expectDebError(debIdentityFromBytes(handmadeDeb({ name: 'control.tar', data: twice })), 'DEB_FORMAT');
    const link = tarArchive([tarEntry({ name: './control', type: '2' })]);
    await expectDebError(debIdentityFromBytes(handmadeDeb({ name: 'control.tar', data: link })), 'DEB_FORMAT');
  });

  test.each([
    ['Package: ../../etc\nVersion: 1.0\nArchitecture: amd64\n', 'DEB_CONTROL_FIELD'],
    ['Package: hello\nVersion: 1.0/../../../tmp/x\nArchitecture: amd64\n', 'DEB_CONTROL_FIELD'],
    ['Package: hello\nVersion: 1.0\nArchitecture: amd64 /\n', 'DEB_CONTROL_FIELD'],
    ['Package: hello\nArchitecture: amd64\n', 'DEB_CONTROL_FIELD'],
    ['Package: hello\nVersion: 1.0\0\nArchitecture: amd64\n', 'DEB_CONTROL_SYNTAX'],
    ['Package: hello\nPackage: evil\nVersion: 1.0\nArchitecture: amd64\n', 'DEB_CONTROL_SYNTAX'],
  ] as const)('control %j is refused with %s', async (text, code) => {
    await expectDebError(debIdentityFromBytes(handmadeDeb(xzControlMember(text))), code);
  });

  test('compression bombs stop at the limit (gzip and xz)', async () => {
    const hugeTar = Buffer.alloc(100 * 1024 * 1024);
    const gz = { name: 'control.tar.gz', data: gzipSync(hugeTar, { level: 1 }) };
    await expectDebError(debIdentityFromBytes(handmadeDeb(gz)), 'DEB_TOO_LARGE');
    const xz = { name: 'control.tar.xz', data: run('xz', ['-c', '-0'], { input: hugeTar }) };
    await expectDebError(debIdentityFromBytes(handmadeDeb(xz)), 'DEB_TOO_LARGE');
  });

  test('a control member over 16 MiB is refused before it is read', async () => {
    const deb = handmadeDeb({ name: 'control.tar', data: Buffer.alloc(16 * 1024 * 1024 + 2) });
    await expectDebError(debIdentityFromBytes(deb), 'DEB_TOO_LARGE');
  });

  test('corrupt gzip and xz control members', async () => {
    await expectDebError(debIdentityFromBytes(handmadeDeb({ name: 'control.tar.gz', data: Buffer.from('not gzip') })), 'DEB_GZIP');
    const xz = xzControlMember(MINIMAL_CONTROL);
    xz.data[xz.data.length - 20]! ^= 0x55;
    await expectDebError(debIdentityFromBytes(handmadeDeb(xz)), 'DEB_XZ');
  });

  test('compressions dpkg does not allow for control.tar', async () => {
    await expectDebError(debIdentityFromBytes(handmadeDeb({ name: 'control.tar.bz2', data: Buffer.from('BZh') })), 'DEB_UNSUPPORTED_COMPRESSION');
  });

  test('paths that are not readable regular files are DEB_IO', async () => {
    await expectDebError(readDebIdentity(join(work.path, 'missing.deb')), 'DEB_IO');
    const dir = join(work.path, 'dir.deb');
    mkdirSync(dir);
    await expectDebError(readDebIdentity(dir), 'DEB_IO');
    const fifo = join(work.path, 'fifo.deb');
    run('mkfifo', [fifo]);
    await expectDebError(readDebIdentity(fifo), 'DEB_IO');
  });
});

describe('properties', () => {
  const good = readFileSync(VECTOR_DEB);

  test('random bytes, alone or after a valid ar prefix, end in a DebError', async () => {
    const prefixes = fc.constantFrom(Buffer.alloc(0), good.subarray(0, 8), good.subarray(0, 72), good.subarray(0, 132));
    await fc.assert(
      fc.asyncProperty(prefixes, fc.uint8Array({ maxLength: 2000 }), async (prefix, tail) => {
        const error = await debIdentityFromBytes(Buffer.concat([prefix, tail])).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DebError);
      }),
      { numRuns: 1000 },
    );
  });

  test('bytes of a real .deb overwritten at random give an identity or a DebError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(controlMemberEnd(good) - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const copy = Buffer.from(good);
        for (const [at, value] of edits) copy[at] = value;
        try {
          await debIdentityFromBytes(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(DebError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
