import type { KeyObject } from 'node:crypto';

/**
 * Signature schemes we verify. The names are securesystemslib's, so that a key's
 * `scheme` field maps onto them unchanged; `pgp+*` are securesystemslib's names for
 * OpenPGP v4 signatures in its GPG format.
 */
export type SignatureScheme =
  | 'ed25519'
  | 'rsassa-pss-sha256'
  | 'rsassa-pss-sha384'
  | 'rsassa-pss-sha512'
  | 'rsa-pkcs1v15-sha256'
  | 'rsa-pkcs1v15-sha384'
  | 'rsa-pkcs1v15-sha512'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'pgp+rsa-pkcsv1.5'
  | 'pgp+dsa-fips-180-2'
  | 'pgp+eddsa-ed25519';

/**
 * A public key ready to verify signatures. One value per signing (sub)key: an
 * OpenPGP certificate with a signing subkey yields two, sharing `identity`.
 *
 * Keys are identified by their material, never by a `keyid` field: `identity` is
 * what a vote is counted under, so a subkey and its primary, or one key written
 * as PEM and as securesystemslib JSON, count once.
 */
export interface PublicKey {
  /** `sha256:<hex>` of the primary key's SubjectPublicKeyInfo DER. Votes are counted per identity. */
  readonly identity: string;
  /** `sha256:<hex>` of this (sub)key's own SubjectPublicKeyInfo DER. Equals `identity` for a primary key. */
  readonly fingerprint: string;
  readonly scheme: SignatureScheme;
  /**
   * Lookup hints a signature's `keyid` may carry: securesystemslib keyids in both
   * conventions, or the OpenPGP v4 fingerprint (lowercase hex). Never a security decision.
   */
  readonly keyids: readonly string[];
  /** For people, e.g. `ed25519 13ba298a…` or `OpenPGP rsa3072 subkey FABF…0D of 5863…07`. */
  readonly description: string;
  /** Signatures are refused at or after this instant (OpenPGP/GPG key expiry). */
  readonly notAfter?: Date;
  /** Signatures are refused before this instant (an OpenPGP key's creation time). */
  readonly notBefore?: Date;
  /**
   * Set when the key is known but may not sign today: an expired or revoked
   * OpenPGP key, or a subkey without a valid binding. A signature that verifies
   * under such a key makes a document invalid, never counted.
   */
  readonly unusable?: { readonly code: 'KEY_EXPIRED' | 'KEY_REVOKED' | 'KEY_UNBOUND' | 'KEY_OPENPGP'; readonly reason: string };
  /** The node:crypto key the maths runs on. */
  readonly key: KeyObject;
}
