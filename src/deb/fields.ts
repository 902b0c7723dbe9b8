/**
 * Debian policy syntax for the identity fields of a binary package: package name,
 * version and architecture. These strings end up in URLs (rebuilder APIs), in file
 * names (apt's cache, our attestation cache) and in messages, so anything outside the
 * policy grammar is refused rather than escaped: a `/`, `..`, NUL, space or control
 * character in a "version" is an attack, not a package.
 *
 * Deliberately stricter than dpkg in two corners no real archive uses: a colon in the
 * upstream version (allowed by old policy only with an epoch) and an upstream version
 * that starts with something other than a letter or digit (dpkg only warns).
 * Pure: no I/O.
 */

/**
 * Longest value we accept for any one field: far above any real package, low enough
 * that the file names and URLs built from these fields stay short.
 */
export const MAX_FIELD_LENGTH = 200;

// Policy 5.6.1 (Source) and 5.6.7 (Package): at least two characters, lower case
// letters, digits, plus, minus and full stop, starting with a letter or digit.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
// Policy 5.6.12. The epoch is a small unsigned integer (dpkg stores it in an int).
const EPOCH = /^[0-9]+$/;
const UPSTREAM = /^[A-Za-z0-9][A-Za-z0-9.+~-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;
// dpkg-architecture names: lower case letters, digits and hyphens (amd64, all,
// kfreebsd-amd64, musl-linux-arm64).
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const MAX_EPOCH = 2 ** 31 - 1;

function bounded(value: string): boolean {
  // `..` can never be a whole field here (names and versions start with a letter or
  // digit) but it has no legitimate use either, and refusing it keeps every field
  // safe as a path segment on its own.
  return value.length <= MAX_FIELD_LENGTH && !value.includes('..');
}

export function isPackageName(value: string): boolean {
  return bounded(value) && PACKAGE_NAME.test(value);
}

/**
 * One concrete architecture or `all`. Wildcards (`any`, `linux-any`, `any-amd64`)
 * and the `source` pseudo-architecture describe sets of builds, never a built .deb.
 */
export function isArchitecture(value: string): boolean {
  return bounded(value) && ARCHITECTURE.test(value) && value !== 'source' && !value.split('-').includes('any');
}

export interface VersionParts {
  epoch: string | undefined;
  upstream: string;
  revision: string | undefined;
}

/** Split a Debian version into its parts, or undefined when it breaks policy syntax. */
export function splitVersion(value: string): VersionParts | undefined {
  if (!bounded(value)) return undefined;
  const colon = value.indexOf(':');
  let epoch: string | undefined;
  let rest = value;
  if (colon !== -1) {
    epoch = value.slice(0, colon);
    rest = value.slice(colon + 1);
    if (!EPOCH.test(epoch) || Number(epoch) > MAX_EPOCH) return undefined;
  }
  // The revision is whatever follows the last hyphen; the upstream part may itself
  // contain hyphens only when a revision is present, which this split guarantees.
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? undefined : rest.slice(hyphen + 1);
  if (!UPSTREAM.test(upstream)) return undefined;
  if (revision !== undefined && !REVISION.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

export function isVersion(value: string): boolean {
  return splitVersion(value) !== undefined;
}

/**
 * The version as it appears in pool and cache file names: without the epoch, which
 * Debian leaves out of file names (`foo_2.0-1_all.deb` for `1:2.0-1`).
 */
export function versionWithoutEpoch(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(colon + 1);
}
