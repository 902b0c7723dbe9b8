/**
 * The interop fixtures made by Debian's in-toto-run and gpg (test/vectors/in-toto-run/,
 * see its README): a real package `foo_1.0-1_amd64.deb`, links over it signed with
 * real keys, the OpenPGP threat certificates and signed layouts. Found through
 * `index.json`, never by hard-coded fingerprints (they change on every regeneration).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = new URL('../../vectors/in-toto-run/', import.meta.url);

export function fixture(relative: string): Buffer {
  return readFileSync(new URL(relative, DIR));
}

interface KeyEntry {
  readonly cert?: string;
  readonly gpgJson?: string;
  readonly pub?: string;
  readonly link?: string;
}

const index = JSON.parse(fixture('index.json').toString('utf8')) as {
  readonly artifacts: Record<string, { readonly sha256: string }>;
  readonly keys: Record<string, KeyEntry>;
};

/** The real .deb every fixture link is about. */
export const FIXTURE_DEB = {
  path: fileURLToPath(new URL('artifacts/foo_1.0-1_amd64.deb', DIR)),
  name: 'foo',
  version: '1.0-1',
  architecture: 'amd64',
  sha256: index.artifacts['foo_1.0-1_amd64.deb']!.sha256,
} as const;

function entry(name: string): KeyEntry {
  const found = index.keys[name];
  if (found === undefined) throw new Error(`no key ${name} in test/vectors/in-toto-run/index.json`);
  return found;
}

/** The armored certificate, the securesystemslib GPG JSON, or the securesystemslib key of a fixture key. */
export function fixtureKey(name: string, form: 'cert' | 'gpgJson' | 'pub'): Buffer {
  const file = entry(name)[form];
  if (file === undefined) throw new Error(`fixture key ${name} has no ${form} form`);
  return fixture(file);
}

/** The link the fixture key signed over the fixture .deb. */
export function fixtureLink(name: string): Buffer {
  const file = entry(name).link;
  if (file === undefined) throw new Error(`fixture key ${name} signed no link`);
  return fixture(file);
}
