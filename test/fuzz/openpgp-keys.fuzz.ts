/**
 * OpenPGP key import (src/in-toto/keys/openpgp.ts via `loadPublicKeys`): the gpg-made
 * certificates of test/vectors/in-toto-run/keys/ (threat certificates included),
 * edited as armored text and as packets (dearmored, edited, armored again, so edits
 * reach openpgp.js's packet parser and the binding checks rather than the armor).
 * Throws only InTotoError, and every key it returns is well-formed: identity and
 * fingerprint from key material, a v4 fingerprint as its hint, an `unusable` code
 * from the documented set.
 */
import fc from 'fast-check';
import { InTotoError, loadPublicKeys } from '../../src/in-toto/index.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, utf8 } from './mutate.js';
import { FIXTURE_NOW, projectFiles } from './seeds.js';

const ARMOR_TOKENS = ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n', '-----END PGP PUBLIC KEY BLOCK-----\n', '\n\n', '=', 'Comment: x\n', '-----BEGIN PGP PRIVATE KEY BLOCK-----\n'].map(utf8);
const UNUSABLE = new Set(['KEY_EXPIRED', 'KEY_REVOKED', 'KEY_UNBOUND', 'KEY_OPENPGP']);
const SHA256_ID = /^sha256:[0-9a-f]{64}$/;

let armored: Buffer[] = [];
let packets: Uint8Array[] = [];
let rearmor: (bytes: Uint8Array) => Uint8Array = (b) => b;

export const openpgpKeysTarget = defineTarget<Uint8Array>({
  name: 'openpgp-keys',
  description: 'loadPublicKeys on edited armored certificates and packets: InTotoError only; returned keys are well-formed',
  expected: [InTotoError],
  caseBoundMs: 5000,
  async prepare() {
    if (armored.length > 0) return;
    const openpgp = await import('openpgp');
    armored = projectFiles('test/vectors/in-toto-run/keys', '.asc');
    packets = await Promise.all(
      armored.map(async (a) => {
        const { data } = await openpgp.unarmor(a.toString('utf8'));
        return data instanceof Uint8Array ? data : new Uint8Array(await new Response(data as ReadableStream<Uint8Array>).arrayBuffer());
      }),
    );
    rearmor = (bytes) => utf8(openpgp.armor(openpgp.enums.armor.publicKey, bytes));
  },
  arbitrary() {
    return fc.oneof(
      { weight: 2, arbitrary: mutatedBytes(packets, [], 4).map((bytes) => rearmor(bytes)) },
      { weight: 1, arbitrary: mutatedBytes(armored, ARMOR_TOKENS, 3) },
    );
  },
  async run(bytes) {
    const keys = await loadPublicKeys(bytes, FIXTURE_NOW);
    ensure(keys.length > 0, 'loadPublicKeys returned no key and no error');
    for (const k of keys) {
      ensure(SHA256_ID.test(k.identity) && SHA256_ID.test(k.fingerprint), `malformed identity ${k.identity} / ${k.fingerprint}`);
      ensure(k.keyids.length === 1 && /^[0-9a-f]{40}$/.test(k.keyids[0]!), `OpenPGP key hint is not a v4 fingerprint: ${JSON.stringify(k.keyids)}`);
      ensure(k.scheme.startsWith('pgp+'), `OpenPGP key with scheme ${k.scheme}`);
      ensure(k.unusable === undefined || UNUSABLE.has(k.unusable.code), `unexpected unusable code ${k.unusable?.code}`);
    }
  },
});
