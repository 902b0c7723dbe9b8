/**
 * Key files other than OpenPGP certificates (src/in-toto/keys/ via `loadPublicKeys`):
 * PEM SubjectPublicKeyInfo (rebuilderd's NULL-parameter Ed25519 included),
 * securesystemslib key JSON and securesystemslib GPG key JSON, edited as bytes and as
 * JSON trees. Throws only InTotoError, and every key it returns has an identity from
 * its material and a scheme that fits it.
 */
import fc from 'fast-check';
import { InTotoError, loadPublicKeys } from '../../src/in-toto/index.js';
import { makeSigner } from '../support/intoto-sign.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson, utf8 } from './mutate.js';
import { FIXTURE_NOW, projectFiles } from './seeds.js';

const KEY_FIELDS = ['keytype', 'scheme', 'keyval', 'public', 'private', 'keyid', 'keyid_hash_algorithms', 'method', 'hashes', 'subkeys', 'creation_time', 'validity_period', 'type', 'n', 'e', 'p', 'q', 'g', 'y'];
const TOKENS = ['-----BEGIN PUBLIC KEY-----\n', '-----END PUBLIC KEY-----\n', '-----BEGIN PRIVATE KEY-----\n', '\r\n', '"ed25519"', '"rsa"', '"pgp+rsa-pkcsv1.5"', '00', 'ff'].map(utf8);
const SHA256_ID = /^sha256:[0-9a-f]{64}$/;

let pem: Uint8Array[] = [];
let json: Uint8Array[] = [];

export const keyFilesTarget = defineTarget<Uint8Array>({
  name: 'key-files',
  description: 'loadPublicKeys on edited PEM, securesystemslib and GPG key JSON: InTotoError only; returned keys are well-formed',
  expected: [InTotoError],
  caseBoundMs: 1000,
  prepare() {
    if (json.length > 0) return Promise.resolve();
    const signers = [makeSigner(), makeSigner('ecdsa-sha2-nistp384'), makeSigner('rsassa-pss-sha256')];
    pem = signers.flatMap((s) => [utf8(s.publicPem), utf8(s.rebuilderdPem)]);
    json = [...projectFiles('test/vectors/in-toto-run/keys', '.pub'), ...projectFiles('test/vectors/in-toto-run/keys', '.gpg.json'), ...signers.map((s) => utf8(s.sslibJson))].filter(
      (b) => Buffer.from(b).toString('utf8').trimStart().startsWith('{'),
    );
    return Promise.resolve();
  },
  arbitrary() {
    return fc.oneof(mutatedBytes([...pem, ...json], TOKENS), mutatedJson(json, KEY_FIELDS));
  },
  async run(bytes) {
    const keys = await loadPublicKeys(bytes, FIXTURE_NOW);
    ensure(keys.length > 0, 'loadPublicKeys returned no key and no error');
    for (const k of keys) {
      ensure(SHA256_ID.test(k.identity) && SHA256_ID.test(k.fingerprint), `malformed identity ${k.identity} / ${k.fingerprint}`);
      ensure(k.keyids.length > 0, 'a key without any lookup hint');
    }
  },
});
