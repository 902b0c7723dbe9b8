/**
 * The installed packages, from dpkg's status file (`Dir::State::status`): each
 * paragraph whose Status says the package is installed, with the identity a
 * rebuilder is asked about (name, version with epoch, architecture, source).
 *
 * "Installed" is dpkg's package state, the third word of Status; the first word
 * (install, hold, deinstall, purge) is only what the admin wants next, so a held
 * package counts. Half-installed, unpacked or config-files states do not: their
 * files are not (all) on disk. dpkg keeps no hash of the .deb it installed; that
 * comes from apt's lists (package-lists.ts). Pure.
 */
import { scanParagraphs } from './deb822-fields.js';

export interface InstalledPackage {
  readonly name: string;
  /** With epoch, as dpkg and the Packages lists write it. */
  readonly version: string;
  readonly architecture: string;
  readonly source: { readonly name: string; readonly version: string };
}

const FIELDS = ['Package', 'Status', 'Version', 'Architecture', 'Source'];
/** `Source: name` or `Source: name (version)`, as dpkg-gencontrol writes it. */
const SOURCE_FIELD = /^(\S+)(?:[ \t]+\((\S+)\))?$/;

export function parseDpkgStatus(text: string): InstalledPackage[] {
  const installed: InstalledPackage[] = [];
  for (const fields of scanParagraphs(text, FIELDS)) {
    const name = fields.get('package');
    const version = fields.get('version');
    const architecture = fields.get('architecture');
    if (!name || !version || !architecture) continue;
    if (fields.get('status')?.split(/[ \t]+/)[2] !== 'installed') continue;
    const source = SOURCE_FIELD.exec(fields.get('source') ?? '');
    installed.push({ name, version, architecture, source: { name: source?.[1] ?? name, version: source?.[2] ?? version } });
  }
  return installed;
}
