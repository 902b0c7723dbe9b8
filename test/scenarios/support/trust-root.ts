/**
 * A policy whose trust root is one of the in-toto-run fixture layouts
 * (test/vectors/in-toto-run/layouts/): the layout's `rebuild` step authorises the six
 * fixture keys with threshold 6; one rebuilder per key fetches its link.
 */
import type { Policy } from '../../../src/policy/index.js';
import type { LookupResult } from '../../../src/rebuilders/index.js';
import { policyFrom } from '../../support/policy-fixture.js';
import { fixture, fixtureKey, fixtureLink } from './fixtures.js';
import { policyYaml, served } from './world.js';

const SIX: readonly { readonly name: string; readonly file: string; readonly form: 'cert' | 'pub' }[] = [
  { name: 'gpg-rsa-subkey', file: 'keys/gpg-rsa-subkey.asc', form: 'cert' },
  { name: 'gpg-eddsa', file: 'keys/gpg-eddsa.asc', form: 'cert' },
  { name: 'gpg-dsa', file: 'keys/gpg-dsa.asc', form: 'cert' },
  { name: 'ed25519', file: 'keys/ed25519.pub', form: 'pub' },
  { name: 'rsa', file: 'keys/rsa.pub', form: 'pub' },
  { name: 'ecdsa', file: 'keys/ecdsa.pub', form: 'pub' },
];

export interface TrustRootOptions {
  /** A file of test/vectors/in-toto-run/layouts/, or other bytes served as the layout. */
  readonly layout: string | Buffer;
  /** Fixture key names whose public keys must all have signed the layout. */
  readonly layoutKeys: readonly string[];
  readonly now: Date;
}

export function trustRootPolicy(options: TrustRootOptions): Promise<Policy> {
  const files: Record<string, string | Buffer> = {
    'layouts/root.layout': typeof options.layout === 'string' ? fixture(`layouts/${options.layout}`) : options.layout,
  };
  for (const k of SIX) files[k.file] = fixtureKey(k.name, k.form);
  const layoutKeyFiles = options.layoutKeys.map((name) => {
    const pub = name.endsWith('-gpg') ? `keys/${name}.asc` : `keys/${name}.pub`;
    files[pub] = fixtureKey(name, name.endsWith('-gpg') ? 'cert' : 'pub');
    return pub;
  });
  const yaml = policyYaml({
    top: `trust-root: { layout: layouts/root.layout, keys: [${layoutKeyFiles.join(', ')}] }`,
    rebuilders: SIX.map((k) => ({ name: k.name, keys: [k.file] })),
  });
  return policyFrom(yaml, files, options.now);
}

/** Every one of the six rebuilders serving its genuine in-toto-run link. */
export function sixGenuineLinks(): Record<string, LookupResult> {
  return Object.fromEntries(SIX.map((k) => [k.name, served(fixtureLink(k.name))]));
}
