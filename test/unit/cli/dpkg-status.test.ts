/** Which packages dpkg's status file says are installed, and who they were built from. */
import { describe, expect, it } from 'vitest';
import { scanParagraphs } from '../../../src/cli/deb822-fields.js';
import { parseDpkgStatus } from '../../../src/cli/dpkg-status.js';

const para = (fields: Record<string, string>): string => Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';

describe('parseDpkgStatus', () => {
  it('takes every package whose state is installed, held ones included, and nothing half there', () => {
    const text = [
      para({ Package: 'bash', Status: 'install ok installed', Version: '5.2.15-2+b7', Architecture: 'amd64', Source: 'bash (5.2.15-2)' }),
      para({ Package: 'held', Status: 'hold ok installed', Version: '1.0', Architecture: 'all' }),
      para({ Package: 'leaving', Status: 'deinstall ok installed', Version: '2', Architecture: 'amd64', Source: 'src' }),
      para({ Package: 'gone', Status: 'deinstall ok config-files', Version: '1', Architecture: 'amd64' }),
      para({ Package: 'broken', Status: 'install reinstreq half-installed', Version: '1', Architecture: 'amd64' }),
      para({ Package: 'unpacked', Status: 'install ok unpacked', Version: '1', Architecture: 'amd64' }),
      para({ Package: 'noversion', Status: 'install ok installed', Architecture: 'amd64' }),
    ].join('\n');
    expect(parseDpkgStatus(text)).toEqual([
      { name: 'bash', version: '5.2.15-2+b7', architecture: 'amd64', source: { name: 'bash', version: '5.2.15-2' } },
      { name: 'held', version: '1.0', architecture: 'all', source: { name: 'held', version: '1.0' } },
      { name: 'leaving', version: '2', architecture: 'amd64', source: { name: 'src', version: '2' } },
    ]);
  });

  it('reads past multi-line fields and takes Multi-Arch: same packages once per architecture', () => {
    const text = [
      'Package: libc6',
      'Status: install ok installed',
      'Architecture: amd64',
      'Version: 2.36-9+deb12u10',
      'Conffiles:',
      ' /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab',
      'Description: GNU C Library',
      ' Package: not-a-package',
      ' .',
      ' Status: install ok installed',
      '',
      'Package: libc6',
      'Status: install ok installed',
      'Architecture: i386',
      'Version: 2.36-9+deb12u10',
    ].join('\n');
    expect(parseDpkgStatus(text).map((p) => `${p.name}:${p.architecture}`)).toEqual(['libc6:amd64', 'libc6:i386']);
  });
});

describe('scanParagraphs', () => {
  it('splits at blank lines (spaces or a CR only count as blank), keeps only the named fields, case-insensitively', () => {
    const text = 'package: a\nVERSION: 1\nOther: x\n \t\nPackage: b\r\n\r\n\n\nPackage: c\n# comment: no\n';
    expect(scanParagraphs(text, ['Package', 'Version']).map((p) => Object.fromEntries(p))).toEqual([
      { package: 'a', version: '1' },
      { package: 'b' },
      { package: 'c' },
    ]);
  });
});
