/**
 * A .deb's identity from its own control fields: the ar archive's control member,
 * decompressed within bounds, its tar's `control` file, and that file's Package,
 * Version, Architecture, Source and Multi-Arch fields. Reads the headers and the
 * control member only, never the data member, so it costs the same for a 1 KB and a
 * 1 GB package.
 *
 * It does not hash the file (see hash.ts) and does not trust the file name: apt
 * and the pool name files without the epoch, and a name is whatever the sender says.
 */
import { readControlMember } from './ar.js';
import { identityFromControl, type DebIdentity } from './control.js';
import { decompressControlMember } from './decompress.js';
import { DebError } from './errors.js';
import { bytesSource, fileSource, openRegularFile, type ByteSource } from './source.js';
import { readTarFile } from './tar.js';

export async function identityFrom(source: ByteSource): Promise<DebIdentity> {
  const member = await readControlMember(source);
  const tar = await decompressControlMember(member);
  const control = readTarFile(tar, 'control');
  if (control === undefined) {
    throw new DebError('DEB_NO_CONTROL', `${member.name} has no control file`);
  }
  return identityFromControl(control);
}

/** The identity of the .deb at `path`. Every failure is a DebError. */
export async function readDebIdentity(path: string): Promise<DebIdentity> {
  const { handle, size } = await openRegularFile(path);
  try {
    return await identityFrom(fileSource(path, handle, size));
  } finally {
    await handle.close();
  }
}

/** The identity of a .deb already in memory. */
export function debIdentityFromBytes(bytes: Uint8Array): Promise<DebIdentity> {
  return identityFrom(bytesSource(bytes));
}
