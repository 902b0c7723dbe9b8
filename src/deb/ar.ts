/**
 * Finds the control member of a .deb by walking the ar archive's headers, the way
 * dpkg-deb does (deb(5)): `debian-binary` first, holding format version 2.x, then
 * any members whose names start with `_` (reserved for additions old readers skip),
 * then `control.tar[.gz|.xz|.zst]`. Only the 60-byte headers, debian-binary and the
 * control member are read; the data member is never touched.
 *
 * It does not decompress or parse the control member, and it does not look for
 * control.tar anywhere else in the archive: a .deb whose second member is something
 * else is refused rather than searched, so we see the same control file as dpkg.
 */
import { DebError, quoteUntrusted } from './errors.js';
import { latin1 } from './text.js';
import type { ByteSource } from './source.js';

const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
const HEADER_END = '`\n';
const DEBIAN_BINARY_MAX = 64;
/** How many `_` members we skip before giving up: real packages have none. */
const MAX_SKIPPED_MEMBERS = 8;
/** Compressed control members are a few kilobytes; 16 MiB is far beyond any real one. */
export const MAX_CONTROL_MEMBER_SIZE = 16 * 1024 * 1024;

export interface ControlMember {
  /** `control.tar`, `control.tar.gz`, `control.tar.xz`, `control.tar.zst`, ... */
  name: string;
  data: Uint8Array;
}

interface MemberHeader {
  name: string;
  dataOffset: number;
  size: number;
}

async function readMemberHeader(source: ByteSource, offset: number): Promise<MemberHeader | undefined> {
  if (offset >= source.size) return undefined;
  if (offset + HEADER_SIZE > source.size) {
    throw new DebError('DEB_FORMAT', `ar member header at offset ${offset} is truncated`);
  }
  const header = latin1(await source.read(offset, HEADER_SIZE));
  if (header.slice(58, 60) !== HEADER_END) {
    throw new DebError('DEB_FORMAT', `ar member header at offset ${offset} is corrupt`);
  }
  // GNU ar ends names with `/`; dpkg pads with spaces. Both name the same member.
  const name = header.slice(0, 16).replace(/ +$/, '').replace(/\/$/, '');
  const sizeText = header.slice(48, 58).replace(/ +$/, '');
  if (!/^[0-9]{1,10}$/.test(sizeText)) {
    throw new DebError('DEB_FORMAT', `ar member ${quoteUntrusted(name)} has a corrupt size field`);
  }
  const size = Number(sizeText);
  const dataOffset = offset + HEADER_SIZE;
  if (dataOffset + size > source.size) {
    throw new DebError('DEB_FORMAT', `ar member ${quoteUntrusted(name)} is truncated`);
  }
  return { name, dataOffset, size };
}

/** Members start on even offsets: an odd-sized member is followed by one pad byte. */
function nextMemberOffset(member: MemberHeader): number {
  return member.dataOffset + member.size + (member.size % 2);
}

async function readDebianBinary(source: ByteSource): Promise<MemberHeader> {
  const member = await readMemberHeader(source, AR_MAGIC.length);
  if (member?.name !== 'debian-binary') {
    const found = member === undefined ? 'nothing' : quoteUntrusted(member.name);
    throw new DebError('DEB_FORMAT', `not a Debian package: first ar member is ${found}, not "debian-binary"`);
  }
  if (member.size > DEBIAN_BINARY_MAX) {
    throw new DebError('DEB_FORMAT', `debian-binary member is ${member.size} bytes, not a format version`);
  }
  const text = latin1(await source.read(member.dataOffset, member.size));
  const version = text.split('\n', 1)[0] ?? '';
  // dpkg reads format 2.x and refuses any other major version (deb(5)).
  if (!/^2\.[0-9]+$/.test(version)) {
    throw new DebError('DEB_FORMAT', `unsupported .deb format version ${quoteUntrusted(version)} (expected 2.x)`);
  }
  return member;
}

function isControlMemberName(name: string): boolean {
  return name === 'control.tar' || name.startsWith('control.tar.');
}

export async function readControlMember(source: ByteSource): Promise<ControlMember> {
  if (source.size < AR_MAGIC.length) {
    throw new DebError('DEB_NOT_AR', 'not a Debian package: file is shorter than an ar header');
  }
  if (latin1(await source.read(0, AR_MAGIC.length)) !== AR_MAGIC) {
    throw new DebError('DEB_NOT_AR', 'not a Debian package: no ar archive signature');
  }
  let offset = nextMemberOffset(await readDebianBinary(source));
  for (let skipped = 0; ; skipped++) {
    const member = await readMemberHeader(source, offset);
    if (member === undefined) {
      throw new DebError('DEB_NO_CONTROL', 'not a Debian package: no control.tar member');
    }
    if (isControlMemberName(member.name)) {
      if (member.size > MAX_CONTROL_MEMBER_SIZE) {
        throw new DebError(
          'DEB_TOO_LARGE',
          `${member.name} is ${member.size} bytes, over the ${MAX_CONTROL_MEMBER_SIZE}-byte limit for a control member`,
        );
      }
      return { name: member.name, data: await source.read(member.dataOffset, member.size) };
    }
    if (!member.name.startsWith('_') || skipped >= MAX_SKIPPED_MEMBERS) {
      throw new DebError(
        'DEB_NO_CONTROL',
        `not a Debian package: ar member ${quoteUntrusted(member.name)} stands where control.tar must be`,
      );
    }
    offset = nextMemberOffset(member);
  }
}
