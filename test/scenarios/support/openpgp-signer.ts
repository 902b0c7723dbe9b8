/**
 * A fresh OpenPGP certificate whose primary key and subkey can both sign (legacy
 * EdDSA, algorithm 22, made with openpgp.js), and links signed with either key in
 * securesystemslib's GPG format — the shape `in-toto-run --gpg` writes:
 * `{keyid, other_headers, signature}`, where the signature covers
 * `content ‖ other_headers ‖ 04 FF ‖ uint32be(len(other_headers))` (RFC 4880 §5.2.4)
 * and legacy EdDSA signs the SHA-256 digest of that, giving r‖s.
 *
 * Made in-process because gpg picks the newest signing subkey by itself and cannot
 * easily be told to sign with the primary; the in-toto-run fixtures prove the format
 * against the real tools.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { canonicalize, type JsonValue } from '../../../src/in-toto/index.js';

export interface OpenPgpSigningKey {
  /** Lowercase v4 fingerprint: what securesystemslib writes as `keyid`. */
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
}

export interface OpenPgpCertificate {
  readonly armoredPublic: string;
  readonly primary: OpenPgpSigningKey;
  readonly subkey: OpenPgpSigningKey;
}

/** RFC 8410 PKCS#8 prefix for a raw 32-byte Ed25519 seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export async function makeOpenPgpCertificate(created: Date): Promise<OpenPgpCertificate> {
  const openpgp = await import('openpgp');
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'reprogate scenario', email: 'scenario@fixtures.invalid' }],
    subkeys: [{ sign: true }],
    date: created,
    format: 'object',
  });
  const [primary, subkey] = privateKey.getKeys().map((k): OpenPgpSigningKey => {
    const seed = (k.keyPacket as unknown as { privateParams: { seed: Uint8Array } }).privateParams.seed;
    return {
      fingerprint: k.getFingerprint().toLowerCase(),
      privateKey: createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
    };
  });
  if (primary === undefined || subkey === undefined) throw new Error('openpgp.js made no signing subkey');
  return { armoredPublic: publicKey.armor(), primary, subkey };
}

/**
 * securesystemslib's GPG signature over `content`, made at `signedAt`. The hashed
 * issuer-fingerprint subpacket names `issuer` (default: the signing key itself).
 */
export function gpgSignature(
  key: OpenPgpSigningKey,
  content: Uint8Array,
  signedAt: Date,
  issuer = key.fingerprint,
): { keyid: string; other_headers: string; signature: string } {
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(signedAt.getTime() / 1000));
  const subpackets = Buffer.concat([
    Buffer.from([5, 2]), // creation time
    created,
    Buffer.from([22, 33, 4]), // issuer fingerprint, v4
    Buffer.from(issuer, 'hex'),
  ]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(subpackets.length);
  // v4, binary document, EdDSA (legacy), SHA-256
  const otherHeaders = Buffer.concat([Buffer.from([4, 0, 22, 8]), length, subpackets]);
  const trailer = Buffer.alloc(6);
  trailer.writeUInt8(4, 0);
  trailer.writeUInt8(0xff, 1);
  trailer.writeUInt32BE(otherHeaders.length, 2);
  const digest = createHash('sha256').update(content).update(otherHeaders).update(trailer).digest();
  return { keyid: key.fingerprint, other_headers: otherHeaders.toString('hex'), signature: sign(null, digest, key.privateKey).toString('hex') };
}

/** A Metablock signed by each key in order, in securesystemslib's GPG format. */
export function gpgSignMetablock(signed: JsonValue, keys: readonly OpenPgpSigningKey[], signedAt: Date): Buffer {
  const bytes = canonicalize(signed);
  return Buffer.from(JSON.stringify({ signatures: keys.map((k) => gpgSignature(k, bytes, signedAt)), signed }));
}
