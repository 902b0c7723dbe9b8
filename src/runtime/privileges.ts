/**
 * Dropping root. apt starts methods as root and leaves it to each method to drop
 * to `APT::Sandbox::User` (`_apt`) when it reads its configuration, as apt's own
 * methods do. reprogate parses untrusted documents and archives, so it drops too:
 * after that it can read the policy and keys, write its cache and log (owned by
 * `_apt`) and the file apt named (apt hands it to `_apt`), and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface DropResult {
  readonly dropped: boolean;
  readonly reason: string;
}

export function dropPrivileges(user: string): DropResult {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { dropped: false, reason: 'not running as root' };
  if (user === '' || user === 'root') return { dropped: false, reason: 'APT::Sandbox::User is root' };
  const ids = lookupUser(user);
  if (!ids) return { dropped: false, reason: `user ${user} does not exist` };
  // Order matters: supplementary groups and gid while we still may, uid last.
  process.setgroups?.([ids.gid]);
  process.setgid?.(ids.gid);
  process.setuid?.(ids.uid);
  return { dropped: true, reason: `running as ${user}` };
}

/**
 * uid and gid from the passwd database: /etc/passwd first (system users such as
 * `_apt` are always there, and forking getent cost ~5 ms of every method start),
 * then getent, which honours NSS as apt does.
 */
function lookupUser(user: string): { uid: number; gid: number } | undefined {
  return passwdEntry(readText('/etc/passwd'), user) ?? passwdEntry(getent(user), user);
}

function getent(user: string): string {
  try {
    return execFileSync('getent', ['passwd', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** The uid and gid of `user` in passwd(5)-format text. */
export function passwdEntry(text: string, user: string): { uid: number; gid: number } | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== user || fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    return fields[2] !== '' && fields[3] !== '' && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  }
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
