/**
 * A .deb's identity from its own control fields (src/deb/identity.ts
 * `debIdentityFromBytes`): real packages — control.tar.xz made by dpkg-deb (through
 * reprogate's own xz decoder), control.tar.gz and an uncompressed control.tar —
 * edited anywhere in the ar headers, the compressed stream, the tar headers or the
 * control text. Throws only DebError, within bounds (compression bombs and endless
 * decoder loops end in a DebError, not in memory or time); and an identity it returns
 * is made of well-formed Debian names.
 */
import { DebError, debIdentityFromBytes, isArchitecture, isPackageName, isVersion } from '../../src/deb/index.js';
import { debArchive, tarArchive, type ArchiveEntry } from '../support/aptlab/debarchive.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, utf8 } from './mutate.js';
import { projectFile } from './seeds.js';

const CONTROL = 'Package: hello\nSource: hello-src (2.0-1)\nVersion: 1:2.0-1+b1\nArchitecture: amd64\nMulti-Arch: same\nMaintainer: x <x@example.invalid>\nDescription: fuzz seed\n multi-line description\n';
const TOKENS = ['!<arch>\n', 'debian-binary   ', 'control.tar.xz  ', 'control.tar.gz  ', 'control.tar     ', '_gpgorigin      ', 'ustar\u000000', '\nPackage: ', '\nVersion: ', '\nArchitecture: ', ': ', '\n '].map(utf8);
const EPOCH = 1_704_067_200;

let seeds: Uint8Array[] = [];

/** An ar archive of these members, in the common format (deb(5)). */
function ar(members: readonly (readonly [string, Uint8Array])[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const [name, data] of members) {
    const header = `${name.padEnd(16)}${String(EPOCH).padEnd(12)}0     0     100644  ${String(data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), Buffer.from(data));
    if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

export const debIdentityTarget = defineTarget<Uint8Array>({
  name: 'deb-identity',
  description: 'debIdentityFromBytes on edited .debs (xz, gzip, plain control.tar): DebError only, bounded; identities are well-formed',
  expected: [DebError],
  caseBoundMs: 3000,
  prepare() {
    const control: ArchiveEntry[] = [{ path: 'control', content: Buffer.from(CONTROL), mode: 0o644 }];
    const data: ArchiveEntry[] = [{ path: 'usr', mode: 0o755 }];
    seeds = [
      projectFile('test/vectors/in-toto-run/artifacts/foo_1.0-1_amd64.deb'),
      debArchive(control, data, EPOCH, 1),
      ar([
        ['debian-binary', utf8('2.0\n')],
        ['control.tar', tarArchive(control, EPOCH)],
        ['data.tar', tarArchive(data, EPOCH)],
      ]),
    ];
    return Promise.resolve();
  },
  arbitrary() {
    return mutatedBytes(seeds, TOKENS, 4);
  },
  async run(bytes) {
    const id = await debIdentityFromBytes(bytes);
    ensure(isPackageName(id.package) && isVersion(id.version) && isArchitecture(id.architecture), `ill-formed identity ${JSON.stringify(id)}`);
    ensure(isPackageName(id.source.name) && isVersion(id.source.version), `ill-formed source ${JSON.stringify(id.source)}`);
  },
});
