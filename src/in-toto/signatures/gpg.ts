/**
 * securesystemslib's GPG signature format: `{keyid, other_headers, signature}`,
 * the pieces of an OpenPGP v4 signature packet over the canonical bytes.
 *
 * The hashed data is `content ‖ other_headers ‖ 0x04 0xFF ‖ uint32be(len)`
 * (RFC 4880 §5.2.4). We are stricter than securesystemslib, which re-reads none of
 * the header fields: a binary-document signature, SHA-256, a public-key algorithm
 * that fits the key, an issuer fingerprint (when present) naming the verifying
 * key, a creation time inside the key's validity, no expired signature, and no
 * unknown critical subpacket.
 */
import { createHash, constants, verify } from 'node:crypto';
import { InTotoError } from '../errors.js';
import type { PublicKey, SignatureScheme } from '../keys/types.js';

export interface GpgSignature {
  readonly keyid: string;
  readonly otherHeaders: Buffer;
  readonly signature: Buffer;
}

interface Headers {
  readonly pubkeyAlgorithm: number;
  readonly created?: number;
  readonly expiresAfter?: number;
  readonly issuerFingerprint?: string;
}

const ALGORITHM_SCHEME: Record<number, SignatureScheme> = { 1: 'pgp+rsa-pkcsv1.5', 3: 'pgp+rsa-pkcsv1.5', 17: 'pgp+dsa-fips-180-2', 22: 'pgp+eddsa-ed25519' };
const HASH_SHA256 = 8;
const SIG_BINARY_DOCUMENT = 0x00;

/** Parse the hashed part of a v4 signature packet; malformed headers are a format error. */
export function parseOtherHeaders(raw: Buffer): Headers {
  const fail = (why: string): never => {
    throw new InTotoError('SIGNATURE_FORMAT', `GPG other_headers: ${why}`);
  };
  if (raw.length < 6) fail('too short');
  if (raw[0] !== 4) fail(`signature version ${raw[0]} (only v4 is supported)`);
  if (raw[1] !== SIG_BINARY_DOCUMENT) fail(`signature type 0x${raw[1]!.toString(16)} is not a binary document signature`);
  if (raw[3] !== HASH_SHA256) fail(`hash algorithm ${raw[3]} (only SHA-256 is supported, as securesystemslib signs)`);
  const hashedLength = raw.readUInt16BE(4);
  if (raw.length !== 6 + hashedLength) fail('hashed subpacket length does not match');

  const headers: { pubkeyAlgorithm: number; created?: number; expiresAfter?: number; issuerFingerprint?: string } = { pubkeyAlgorithm: raw[2]! };
  let pos = 6;
  while (pos < raw.length) {
    const first = raw[pos]!;
    let len: number;
    if (first < 192) {
      len = first;
      pos += 1;
    } else if (first < 255) {
      if (pos + 1 >= raw.length) fail('truncated subpacket length');
      len = ((first - 192) << 8) + raw[pos + 1]! + 192;
      pos += 2;
    } else {
      if (pos + 4 >= raw.length) fail('truncated subpacket length');
      len = raw.readUInt32BE(pos + 1);
      pos += 5;
    }
    if (len < 1 || pos + len > raw.length) fail('subpacket overruns the hashed area');
    const type = raw[pos]! & 0x7f;
    const critical = (raw[pos]! & 0x80) !== 0;
    const body = raw.subarray(pos + 1, pos + len);
    pos += len;
    switch (type) {
      case 2: // signature creation time
        if (body.length !== 4) fail('bad creation time');
        headers.created = body.readUInt32BE(0);
        break;
      case 3: // signature expiration time, seconds after creation
        if (body.length !== 4) fail('bad signature expiration');
        headers.expiresAfter = body.readUInt32BE(0);
        break;
      case 33: // issuer fingerprint: version byte, then the fingerprint
        if (body.length !== 21 || body[0] !== 4) fail('bad issuer fingerprint');
        headers.issuerFingerprint = body.subarray(1).toString('hex');
        break;
      case 16: // issuer key ID
      case 20: // notation data (a critical one is refused below)
      case 27: // key flags
      case 28: // signer's user ID
        if (critical && type === 20) fail('critical notation');
        break;
      default:
        if (critical) fail(`unknown critical subpacket ${type}`);
    }
  }
  return headers;
}

/**
 * `verified: false` when the maths fails under this key (a key of another family
 * simply is not this key). A genuine signature that may not count carries a
 * `problem`: it was made, but outside the rules.
 */
export type GpgCheck = { readonly verified: false } | { readonly verified: true; readonly problem?: string };

export function checkGpgSignature(key: PublicKey, content: Uint8Array, sig: GpgSignature, now: Date): GpgCheck {
  const headers = parseOtherHeaders(sig.otherHeaders);
  if (ALGORITHM_SCHEME[headers.pubkeyAlgorithm] !== key.scheme) return { verified: false };

  const trailer = Buffer.alloc(6);
  trailer.writeUInt8(0x04, 0);
  trailer.writeUInt8(0xff, 1);
  trailer.writeUInt32BE(sig.otherHeaders.length, 2);
  const hashed = Buffer.concat([content, sig.otherHeaders, trailer]);
  if (!mathVerifies(key, hashed, sig.signature)) return { verified: false };
  const problem = judge(key, headers, now);
  return problem === undefined ? { verified: true } : { verified: true, problem };
}

/** The signature is genuine; may it count? */
function judge(key: PublicKey, headers: Headers, now: Date): string | undefined {
  if (headers.issuerFingerprint !== undefined && !key.keyids.includes(headers.issuerFingerprint)) {
    return `signature names issuer ${headers.issuerFingerprint.toUpperCase()}, not the key that verifies it`;
  }
  if (headers.created !== undefined) {
    const created = headers.created * 1000;
    if (key.notBefore && created < key.notBefore.getTime()) return 'signature is older than its key';
    if (created > now.getTime() + 24 * 3600 * 1000) return 'signature is dated in the future';
    if (headers.expiresAfter && created + headers.expiresAfter * 1000 <= now.getTime()) return 'signature has expired';
  }
  return undefined;
}

function mathVerifies(key: PublicKey, hashed: Buffer, signature: Buffer): boolean {
  try {
    switch (key.scheme) {
      case 'pgp+rsa-pkcsv1.5': {
        // OpenPGP MPIs drop leading zeros; OpenSSL wants the modulus length (in-toto#170).
        const size = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
        if (signature.length > size) return false;
        const padded = Buffer.concat([Buffer.alloc(size - signature.length), signature]);
        return verify('sha256', hashed, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, padded);
      }
      case 'pgp+dsa-fips-180-2':
        return verify('sha256', hashed, { key: key.key, dsaEncoding: 'der' }, signature);
      case 'pgp+eddsa-ed25519':
        // Legacy OpenPGP EdDSA signs the digest, not the data; r and s are left-padded to 32 bytes each.
        if (signature.length !== 64) return false;
        return verify(null, createHash('sha256').update(hashed).digest(), key.key, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
