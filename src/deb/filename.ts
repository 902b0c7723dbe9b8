/**
 * File names of .debs as apt and the archive write them: `<name>_<version>_<arch>.deb`
 * with the epoch left out in the pool (`foo_2.0-1_all.deb` for `1:2.0-1`), and kept
 * but percent-escaped as `%3a` in apt's cache (`foo_1%3a2.0-1_all.deb`), because apt
 * quotes `:` in the names it stores.
 *
 * A name parsed here is a claim, not an identity: the control fields (identity.ts)
 * are what the package says it is. Pure: no I/O.
 */
import type { DebIdentity } from './control.js';
import { DebError, quoteUntrusted } from './errors.js';
import { isArchitecture, isPackageName, isVersion, versionWithoutEpoch } from './fields.js';

export interface DebFileNameParts {
  name: string;
  /** With the epoch when the file name carried one (`%3a`), otherwise without. */
  version: string;
  architecture: string;
}

function fileNameError(message: string): DebError {
  return new DebError('DEB_FILE_NAME', message);
}

/** The pool file name of a package. Refuses fields that are not policy-valid. */
export function debFileName(identity: Pick<DebIdentity, 'package' | 'version' | 'architecture'>): string {
  const { package: name, version, architecture } = identity;
  if (!isPackageName(name) || !isVersion(version) || !isArchitecture(architecture)) {
    throw fileNameError(
      `cannot name a .deb for ${quoteUntrusted(name)} ${quoteUntrusted(version)} ${quoteUntrusted(architecture)}: not valid package fields`,
    );
  }
  return `${name}_${versionWithoutEpoch(version)}_${architecture}.deb`;
}

export function parseDebFileName(basename: string): DebFileNameParts {
  const invalid = (): DebError =>
    fileNameError(`${quoteUntrusted(basename)} is not a .deb file name of the form <name>_<version>_<arch>.deb`);
  if (!basename.endsWith('.deb')) throw invalid();
  const parts = basename.slice(0, -'.deb'.length).split('_');
  if (parts.length !== 3) throw invalid();
  const [name, escapedVersion, architecture] = parts as [string, string, string];
  // Only apt's escape of the epoch colon is undone; any other `%` is not a version.
  const version = escapedVersion.replace(/%3a/gi, ':');
  if (!isPackageName(name) || !isVersion(version) || !isArchitecture(architecture)) throw invalid();
  return { name, version, architecture };
}
