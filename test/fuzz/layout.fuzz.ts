/**
 * Trust-root layouts (src/in-toto/models/layout.ts `verifyLayout`): the in-toto-sign'd
 * fixtures, edited as bytes and as JSON trees, verified under their ed25519 and GPG
 * owners. Throws only InTotoError; a layout verifies only with exactly the signed
 * content of a genuine one.
 */
import fc from 'fast-check';
import { canonicalize, InTotoError, loadPublicKeys, parseStrictJson, verifyLayout, isJsonObject, type PublicKey } from '../../src/in-toto/index.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson, utf8 } from './mutate.js';
import { FIXTURE_NOW, projectFile, projectFiles } from './seeds.js';

const LAYOUT_KEYS = [
  'signed', 'signatures', '_type', 'expires', 'keys', 'steps', 'inspect', 'readme', 'name', 'threshold', 'pubkeys', 'expected_command',
  'expected_materials', 'expected_products', 'run', 'keyid', 'keytype', 'scheme', 'keyval', 'public', 'subkeys', 'method',
];
const TOKENS = ['MATCH', 'WITH', 'PRODUCTS', 'FROM', 'IN', 'DISALLOW', 'CREATE', '*', '[!', ']', '"threshold":0', '"expires":"2099-02-30T00:00:00Z"'].map(utf8);

let seeds: Buffer[] = [];
let owners: PublicKey[][] = [];
const genuine = new Set<string>();

function signedContent(bytes: Uint8Array): string {
  const value = parseStrictJson(bytes);
  return canonicalize(isJsonObject(value) ? (value['signed'] ?? null) : null).toString('hex');
}

export const layoutTarget = defineTarget<Uint8Array>({
  name: 'layout',
  description: 'verifyLayout on edited root layouts: InTotoError only; only genuinely signed content verifies',
  expected: [InTotoError],
  caseBoundMs: 2000,
  async prepare() {
    if (seeds.length > 0) return;
    seeds = projectFiles('test/vectors/in-toto-run/layouts', '.layout');
    owners = await Promise.all(
      ['layout-owner-ed25519.pub', 'layout-owner-gpg.asc'].map((name) => loadPublicKeys(projectFile(`test/vectors/in-toto-run/keys/${name}`), FIXTURE_NOW)),
    );
    for (const s of seeds) genuine.add(signedContent(s));
  },
  arbitrary() {
    return fc.oneof(mutatedBytes(seeds, TOKENS), mutatedJson(seeds, LAYOUT_KEYS));
  },
  run(bytes) {
    let verified = 0;
    let failure: unknown;
    for (const keys of owners) {
      try {
        const layout = verifyLayout(bytes, keys, FIXTURE_NOW);
        ensure(genuine.has(signedContent(bytes)), `an edited layout verified: ${Buffer.from(bytes).toString('utf8').slice(0, 300)}`);
        ensure(layout.signers.length > 0 && layout.expires.getTime() > FIXTURE_NOW.getTime(), 'a verified layout without signers, or expired');
        verified++;
      } catch (e) {
        failure ??= e;
      }
    }
    if (verified === 0) throw failure;
  },
});
