/**
 * What a rule's `match` means: a shell-style glob over the binary package name
 * and an exact host for the repository it came from. Globs know only `*` and
 * `?`; everything else is literal.
 */
import type { PackageMatch } from './document.js';

/** The package a rule is chosen for. `origin` is undefined for a .deb of unknown provenance (a local file). */
export interface PackageSubject {
  readonly name: string;
  readonly origin: string | undefined;
}

/** Characters of Debian package names, plus the two wildcards. */
export const PACKAGE_GLOB = /^[a-z0-9+.*?-]+$/;

/**
 * Shell-style match of `name` against `glob`. Iterative with one backtrack point
 * (the last `*`), so the cost is at most length × length: a regular expression
 * built from `*a*a*a…` would backtrack exponentially on a crafted package name.
 */
export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === name[n])) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = n;
    } else if (star !== -1) {
      g = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * `host` or `host:port` split into the canonical host (lower case, IDNA, no
 * trailing dot) and the port, or undefined if it is not a bare authority.
 */
export function parseHost(origin: string): { readonly host: string; readonly port: string } | undefined {
  if (origin === '' || /[/\\@?#\s]/.test(origin)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${origin}/`);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/\.$/, '');
  return host === '' ? undefined : { host, port: url.port };
}

export function matchesPackage(match: PackageMatch, subject: PackageSubject): boolean {
  if (match.package !== undefined && !globMatches(match.package, subject.name)) return false;
  if (match.origin !== undefined) {
    // Unknown provenance never satisfies an origin rule: a local .deb must not borrow a repository's exemption.
    // The origin's port, if the caller passes one, takes no part: a rule names a host.
    if (subject.origin === undefined || parseHost(subject.origin)?.host !== match.origin) return false;
  }
  return true;
}
