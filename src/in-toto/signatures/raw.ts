/**
 * Signature maths for securesystemslib schemes and DSSE, on node:crypto.
 * Returns false for any signature that does not verify, including malformed ones
 * that make OpenSSL throw; it never decides which key is trusted.
 */
import { constants, verify } from 'node:crypto';
import type { PublicKey } from '../keys/types.js';

export function verifyRaw(key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (key.scheme) {
      case 'ed25519':
        return verify(null, data, key.key, signature);
      case 'rsassa-pss-sha256':
      case 'rsassa-pss-sha384':
      case 'rsassa-pss-sha512':
        // securesystemslib signs with salt = digest length and verifies with AUTO.
        return verify(hashOf(key.scheme), data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      case 'rsa-pkcs1v15-sha256':
      case 'rsa-pkcs1v15-sha384':
      case 'rsa-pkcs1v15-sha512':
        return verify(hashOf(key.scheme), data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'ecdsa-sha2-nistp256':
        return verifyEcdsa('sha256', 64, key, data, signature);
      case 'ecdsa-sha2-nistp384':
        // OpenSSL would default to SHA-256 for any EC key; P-384 signs with SHA-384.
        return verifyEcdsa('sha384', 96, key, data, signature);
      default:
        return false; // OpenPGP keys verify only GPG-format signatures
    }
  } catch {
    return false;
  }
}

/**
 * securesystemslib writes DER; the DSSE spec's example is raw r‖s. The two
 * encodings cannot be confused (DER starts with a SEQUENCE tag and has its own
 * length), so accepting both adds no ambiguity.
 */
function verifyEcdsa(hash: string, rawLength: number, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  const attempt = (dsaEncoding: 'der' | 'ieee-p1363'): boolean => {
    try {
      return verify(hash, data, { key: key.key, dsaEncoding }, signature);
    } catch {
      return false;
    }
  };
  return attempt('der') || (signature.length === rawLength && attempt('ieee-p1363'));
}

function hashOf(scheme: string): string {
  return scheme.endsWith('sha512') ? 'sha512' : scheme.endsWith('sha384') ? 'sha384' : 'sha256';
}
