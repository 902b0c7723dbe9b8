/**
 * Key identity from key material. Every key, however it was written (PEM, hex in
 * securesystemslib JSON, an OpenPGP packet), is reduced to a node:crypto KeyObject,
 * and its identity is the SHA-256 of that key's SubjectPublicKeyInfo DER. `keyid`
 * fields in documents are never used to decide who signed.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { InTotoError } from '../errors.js';
import { normalizeRebuilderdSpki } from './der.js';
import type { SignatureScheme } from './types.js';

export function materialFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return 'sha256:' + createHash('sha256').update(der).digest('hex');
}

const PEM_PUBLIC = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/;

/** Parse a PEM SubjectPublicKeyInfo, including rebuilderd's NULL-parameter Ed25519 form. */
export function keyFromPem(pem: string): KeyObject {
  const m = PEM_PUBLIC.exec(pem.trim() + '\n');
  if (!m) throw new InTotoError('KEY_FORMAT', 'expected a PEM "PUBLIC KEY" block');
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const standard = normalizeRebuilderdSpki(der) ?? der;
  try {
    return createPublicKey({ key: standard, format: 'der', type: 'spki' });
  } catch (e) {
    throw new InTotoError('KEY_FORMAT', `PEM public key does not decode: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The scheme a bare key implies. PEM carries no scheme: RSA keys default to
 * in-toto's default `rsassa-pss-sha256` (securesystemslib JSON can say otherwise).
 */
export function defaultScheme(key: KeyObject): SignatureScheme {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      return 'rsassa-pss-sha256';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-sha2-nistp256';
      if (curve === 'secp384r1') return 'ecdsa-sha2-nistp384';
      throw new InTotoError('KEY_UNSUPPORTED', `unsupported elliptic curve ${String(curve)}`);
    }
    default:
      throw new InTotoError('KEY_UNSUPPORTED', `unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Check that a key can carry out `scheme` (type and curve), so a mislabelled key is refused up front. */
export function assertSchemeFits(key: KeyObject, scheme: SignatureScheme): void {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const ok =
    scheme === 'ed25519' || scheme === 'pgp+eddsa-ed25519'
      ? type === 'ed25519'
      : scheme === 'ecdsa-sha2-nistp256'
        ? type === 'ec' && curve === 'prime256v1'
        : scheme === 'ecdsa-sha2-nistp384'
          ? type === 'ec' && curve === 'secp384r1'
          : scheme === 'pgp+dsa-fips-180-2'
            ? type === 'dsa'
            : type === 'rsa';
  if (!ok) throw new InTotoError('KEY_FORMAT', `a ${String(type)} key cannot verify ${scheme} signatures`);
}
