/**
 * Dropping root. apt starts methods as root and leaves it to each method to drop
 * to `APT::Sandbox::User` (`_apt`) when it reads its configuration, as apt's own
 * methods do. reprogate parses untrusted documents and archives, so it drops too:
 * after that it can read the policy and keys, write its cache and log (owned by
 * `_apt`) and the file apt named (apt hands it to `_apt`), and nothing else.
 */
import { execFileSync } from 'node:child_process';

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

/** uid and gid from the passwd database (getent honours NSS, as apt does). */
function lookupUser(user: string): { uid: number; gid: number } | undefined {
  try {
    const line = execFileSync('getent', ['passwd', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const fields = line.trim().split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}
