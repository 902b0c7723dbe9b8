/**
 * Package names, versions, architectures, rebuilder names and hashes end up in URLs
 * and file paths. Each is held to the character set Debian (or our policy) allows for
 * it before use, so that no value can be `..`, carry a `/` or NUL, or otherwise step
 * outside the one path segment it is meant to fill; callers validate too, and this is
 * the last line. URL segments are then percent-encoded (an epoch's colon becomes %3A).
 *
 * PURE. Deliberately not here: deciding whether a version is well-formed by dpkg's
 * full rules; only what is safe to put in a path matters here.
 */
import { RebuilderError } from './errors.js';
import type { PackageQuery } from './types.js';

// Debian Policy 5.6.1 (Package), 5.6.12 (Version: epoch, upstream, revision
// characters), 5.6.8 (Architecture); each starts with an alphanumeric, so none can be
// `.` or `..`.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]{1,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:-]{0,127}$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const REBUILDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkQuery(query: PackageQuery): void {
  checkField('package name', query.name, PACKAGE_NAME);
  checkField('version', query.version, VERSION);
  checkField('architecture', query.architecture, ARCHITECTURE);
  checkField('source name', query.source.name, PACKAGE_NAME);
  checkField('source version', query.source.version, VERSION);
  checkSha256(query.sha256);
}

export function checkSha256(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw new RebuilderError('REBUILDER_BAD_NAME', `sha256 ${show(sha256)} is not 64 lowercase hex digits`);
  }
}

export function checkRebuilderName(name: string): void {
  if (typeof name !== 'string' || !REBUILDER_NAME.test(name)) {
    throw new RebuilderError(
      'REBUILDER_BAD_NAME',
      `rebuilder name ${show(name)} cannot name a folder (letters, digits, '.', '_', '-'; up to 64)`,
    );
  }
}

export function isRebuilderName(name: string): boolean {
  return REBUILDER_NAME.test(name);
}

export function isSha256(value: string): boolean {
  return SHA256.test(value);
}

/** One URL path segment; only ever called with values checked above. */
export function urlSegment(value: string): string {
  return encodeURIComponent(value);
}

function checkField(what: string, value: string, pattern: RegExp): void {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new RebuilderError('REBUILDER_BAD_QUERY', `${what} ${show(value)} cannot be used in a URL or path`);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value));
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
