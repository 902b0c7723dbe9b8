// The control paragraph and the identity fields: deb822 syntax (continuations,
// case-insensitive names) and the policy grammar that keeps package names,
// versions and architectures safe to put in URLs and file names.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { identityFromControl, parseControlParagraph } from '../../../src/deb/control.js';
import { isArchitecture, isPackageName, isVersion, splitVersion } from '../../../src/deb/fields.js';
import { DebError } from '../../../src/deb/index.js';
import { expectDebError } from './tools.js';

const identity = (text: string) => identityFromControl(Buffer.from(text));
const BASE = 'Package: hello\nVersion: 1.0-1\nArchitecture: amd64\n';

describe('deb822 paragraph', () => {
  test('continuation lines belong to the field above; names are case-insensitive', () => {
    const fields = parseControlParagraph('Package: a\nDescription: short\n long line\n .\n\tmore\nmulti-arch: same\n');
    expect(fields.get('description')?.value).toBe('short\n long line\n .\n\tmore');
    expect(fields.get('multi-arch')?.value).toBe('same');
    expect(fields.get('multi-arch')?.name).toBe('multi-arch');
  });

  test('values are trimmed; blank lines around the paragraph and a missing final newline are fine', () => {
    const fields = parseControlParagraph('\n\nPackage:   a  \nVersion:1\n\n\n');
    expect(fields.get('package')?.value).toBe('a');
    expect(fields.get('version')?.value).toBe('1');
    expect(parseControlParagraph('Package: a').get('package')?.value).toBe('a');
  });

  test.each([
    ['a duplicate field, in any case', 'Package: a\npackage: b\n'],
    ['a second paragraph', 'Package: a\n\nPackage: b\n'],
    ['a continuation with no field', ' Package: a\n'],
    ['a line without a colon', 'Package: a\nnonsense\n'],
    ['a comment line', '# comment\nPackage: a\n'],
    ['a field name starting with -', '-Package: a\n'],
    ['a field name with a space', 'Pack age: a\n'],
    ['a carriage return', 'Package: a\r\n'],
    ['a NUL byte', 'Package: a\0b\n'],
    ['an escape character', 'Package: a\x1b[2J\n'],
    ['no fields at all', '\n \n'],
  ])('refuses %s', async (_what, text) => {
    await expectDebError(() => parseControlParagraph(text), 'DEB_CONTROL_SYNTAX');
  });

  test('refuses bytes that are not UTF-8, and a byte-order mark', async () => {
    await expectDebError(() => identityFromControl(Buffer.from([0x50, 0xff, 0x3a, 0x0a])), 'DEB_CONTROL_SYNTAX');
    await expectDebError(() => identity(`\ufeff${BASE}`), 'DEB_CONTROL_SYNTAX');
  });
});

describe('identity from control fields', () => {
  test('defaults the source to the binary package', () => {
    expect(identity(BASE)).toEqual({ package: 'hello', version: '1.0-1', architecture: 'amd64', source: { name: 'hello', version: '1.0-1' } });
  });

  test('Source with and without a version; epoch kept; Multi-Arch read', () => {
    expect(identity('Package: libfoo1\nVersion: 1:2.0-1+b1\nArchitecture: all\nSource: foo (1:2.0-1)\nMulti-Arch: foreign\n')).toEqual({
      package: 'libfoo1',
      version: '1:2.0-1+b1',
      architecture: 'all',
      source: { name: 'foo', version: '1:2.0-1' },
      multiArch: 'foreign',
    });
    expect(identity(`${BASE}Source: greetings\n`).source).toEqual({ name: 'greetings', version: '1.0-1' });
  });

  test('field names in any case', () => {
    expect(identity('PACKAGE: hello\nversion: 1.0\narchitecture: amd64\n').package).toBe('hello');
  });

  test.each([
    ['no Package', 'Version: 1.0\nArchitecture: amd64\n'],
    ['no Version', 'Package: a1\nArchitecture: amd64\n'],
    ['no Architecture', 'Package: a1\nVersion: 1.0\n'],
    ['an empty Package', 'Package:\nVersion: 1.0\nArchitecture: amd64\n'],
    ['a Package over several lines', 'Package: hello\n more\nVersion: 1.0\nArchitecture: amd64\n'],
    ['a path as Package', 'Package: ../../etc/passwd\nVersion: 1.0\nArchitecture: amd64\n'],
    ['a slash in Package', 'Package: foo/bar\nVersion: 1.0\nArchitecture: amd64\n'],
    ['upper case in Package', 'Package: Hello\nVersion: 1.0\nArchitecture: amd64\n'],
    ['a slash in Version', 'Package: hello\nVersion: 1.0/../../x\nArchitecture: amd64\n'],
    ['a space in Version', 'Package: hello\nVersion: 1.0 2\nArchitecture: amd64\n'],
    ['.. in Version', 'Package: hello\nVersion: 1..0\nArchitecture: amd64\n'],
    ['a path as Architecture', 'Package: hello\nVersion: 1.0\nArchitecture: amd64/../x\n'],
    ['two architectures', 'Package: hello\nVersion: 1.0\nArchitecture: amd64 i386\n'],
    ['the any wildcard', 'Package: hello\nVersion: 1.0\nArchitecture: any\n'],
    ['a Source with a bad name', `${BASE}Source: Foo\n`],
    ['a Source with a bad version', `${BASE}Source: foo (1.0/x)\n`],
    ['a Source with junk after the version', `${BASE}Source: foo (1.0) x\n`],
    ['an unknown Multi-Arch', `${BASE}Multi-Arch: sometimes\n`],
  ])('refuses %s', async (_what, text) => {
    await expectDebError(() => identity(text), 'DEB_CONTROL_FIELD');
  });

  test('the refusal quotes the bad value with control characters escaped', async () => {
    const error = await expectDebError(() => identity('Package: hello\nVersion: 1.0\u009b31m\nArchitecture: amd64\n'), 'DEB_CONTROL_FIELD');
    expect(error.message).toContain('"1.0\\u{9b}31m"');
  });

  test('random text never escapes as anything but a DebError', () => {
    const line = fc.oneof(
      fc.constantFrom('Package: hello', 'Version: 1:2.0-1', 'Architecture: all', 'Source: foo (1.0)', ' cont', '', 'Multi-Arch: same'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        try {
          const result = identity(lines.join('\n'));
          expect(isPackageName(result.package) && isVersion(result.version) && isArchitecture(result.architecture)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(DebError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('policy grammar', () => {
  test.each(['a1', 'libc6', 'g++', 'libstdc++6', 'lib32z1-dev', 'python3.11', 'x'.repeat(200)])('package name %s is valid', (name) => {
    expect(isPackageName(name)).toBe(true);
  });

  test.each(['a', '', '-a', '.a', '+a', 'A1', 'a_b', 'a/b', 'a..b', 'a b', 'a\0b', 'ä1', 'x'.repeat(201)])('package name %j is invalid', (name) => {
    expect(isPackageName(name)).toBe(false);
  });

  test.each([
    ['1.0', undefined, '1.0', undefined],
    ['1.0-1', undefined, '1.0', '1'],
    ['1:2.0-1', '1', '2.0', '1'],
    ['0.2.1-1+b2', undefined, '0.2.1', '1+b2'],
    ['2.36-9+deb12u4', undefined, '2.36', '9+deb12u4'],
    ['1.2-3-4', undefined, '1.2-3', '4'],
    ['1.0~rc1', undefined, '1.0~rc1', undefined],
    ['20230101', undefined, '20230101', undefined],
    ['2:1.0+dfsg-0.1', '2', '1.0+dfsg', '0.1'],
    ['a1.0', undefined, 'a1.0', undefined],
  ])('version %s splits into epoch %s, upstream %s, revision %s', (version, epoch, upstream, revision) => {
    expect(splitVersion(version)).toEqual({ epoch, upstream, revision });
  });

  test.each(['', ':1.0', '1:', 'a:1.0', '1.0-', '-1', '1:2:3', '1.0/2', '1.0 2', '1.0_2', '~1', '.1', '1..2', '1.0\n', '99999999999:1', '1.0-1:2'])(
    'version %j is invalid',
    (version) => {
      expect(isVersion(version)).toBe(false);
    },
  );

  test.each(['amd64', 'all', 'i386', 'arm64', 'kfreebsd-amd64', 'musl-linux-arm64'])('architecture %s is valid', (arch) => {
    expect(isArchitecture(arch)).toBe(true);
  });

  test.each(['', 'any', 'linux-any', 'any-amd64', 'source', 'Amd64', 'amd64 i386', 'amd64/x', '-amd64', 'x86_64'])(
    'architecture %j is invalid',
    (arch) => {
      expect(isArchitecture(arch)).toBe(false);
    },
  );
});
