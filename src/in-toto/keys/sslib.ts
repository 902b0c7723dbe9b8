/**
 * securesystemslib public keys as JSON (what `in-toto-keygen` writes, and what
 * layouts embed): ed25519 (raw hex), rsa and ecdsa (PEM). Private material in a
 * "public" key file is refused: it means the admin pinned the wrong file.
 */
import type { KeyObject } from 'node:crypto';
import { InTotoError } from '../errors.js';
import { isJsonArray, isJsonObject, type JsonObject } from '../json.js';
import { ed25519FromRaw } from './der.js';
import { sslibKeyids } from './keyid.js';
import { assertSchemeFits, keyFromPem, materialFingerprint } from './material.js';
import type { PublicKey, SignatureScheme } from './types.js';

const SCHEMES: ReadonlySet<string> = new Set<SignatureScheme>([
  'ed25519',
  'rsassa-pss-sha256',
  'rsassa-pss-sha384',
  'rsassa-pss-sha512',
  'rsa-pkcs1v15-sha256',
  'rsa-pkcs1v15-sha384',
  'rsa-pkcs1v15-sha512',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
]);

const KNOWN_FIELDS = new Set(['keytype', 'scheme', 'keyval', 'keyid', 'keyid_hash_algorithms']);

export function isSslibKey(obj: JsonObject): boolean {
  return typeof obj['keytype'] === 'string';
}

export function sslibKey(obj: JsonObject): PublicKey {
  for (const field of Object.keys(obj)) {
    if (!KNOWN_FIELDS.has(field)) throw new InTotoError('KEY_FORMAT', `unknown field "${field}" in securesystemslib key`);
  }
  const { keytype, scheme, keyval } = obj;
  if (typeof keytype !== 'string' || typeof scheme !== 'string' || !isJsonObject(keyval)) {
    throw new InTotoError('KEY_FORMAT', 'securesystemslib key needs string keytype and scheme and an object keyval');
  }
  if (!SCHEMES.has(scheme)) throw new InTotoError('KEY_UNSUPPORTED', `unsupported signature scheme "${scheme}"`);
  const publicValue = keyval['public'];
  if (typeof publicValue !== 'string') throw new InTotoError('KEY_FORMAT', 'keyval.public must be a string');
  const priv = keyval['private'];
  if (priv !== undefined && priv !== '') throw new InTotoError('KEY_FORMAT', 'key file contains private key material; pin the public key only');
  for (const field of Object.keys(keyval)) {
    if (field !== 'public' && field !== 'private') throw new InTotoError('KEY_FORMAT', `unknown field "keyval.${field}"`);
  }

  let key: KeyObject;
  if (keytype === 'ed25519') {
    if (!/^[0-9a-f]{64}$/.test(publicValue)) throw new InTotoError('KEY_FORMAT', 'ed25519 keyval.public must be 64 lowercase hex digits');
    key = ed25519FromRaw(Buffer.from(publicValue, 'hex'));
  } else if (keytype === 'rsa' || keytype === 'ecdsa' || keytype === 'ecdsa-sha2-nistp256' || keytype === 'ecdsa-sha2-nistp384') {
    key = keyFromPem(publicValue);
  } else {
    throw new InTotoError('KEY_UNSUPPORTED', `unsupported key type "${keytype}"`);
  }
  assertSchemeFits(key, scheme as SignatureScheme);
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new InTotoError('KEY_UNSUPPORTED', 'RSA keys shorter than 2048 bits are refused');
  }

  const hashAlgorithms = obj['keyid_hash_algorithms'];
  const algs = isJsonArray(hashAlgorithms) && hashAlgorithms.every((a): a is string => typeof a === 'string') ? hashAlgorithms : undefined;
  const keyids = sslibKeyids(keytype, scheme, publicValue, algs);
  if (typeof obj['keyid'] === 'string') keyids.push(obj['keyid']);

  const fingerprint = materialFingerprint(key);
  return {
    identity: fingerprint,
    fingerprint,
    scheme: scheme as SignatureScheme,
    keyids,
    description: `${scheme} key ${keyids[0]!.slice(0, 16)}`,
    key,
  };
}

/**
 * A bare PEM key (rebuilderd publishes its instance key this way). The keyids
 * in-toto-rs would compute are added as hints: for Ed25519 that is the
 * securesystemslib form over the raw key in hex.
 */
export function pemKey(pem: string): PublicKey {
  const key = keyFromPem(pem);
  const fingerprint = materialFingerprint(key);
  let scheme: SignatureScheme;
  let keyids: string[];
  if (key.asymmetricKeyType === 'ed25519') {
    scheme = 'ed25519';
    const raw = key.export({ format: 'jwk' }).x;
    keyids = sslibKeyids('ed25519', 'ed25519', Buffer.from(raw ?? '', 'base64url').toString('hex'));
  } else if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new InTotoError('KEY_UNSUPPORTED', 'RSA keys shorter than 2048 bits are refused');
    scheme = 'rsassa-pss-sha256';
    keyids = [...sslibKeyids('rsa', scheme, pem), ...sslibKeyids('rsa', scheme, pem.trim())];
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    scheme = curve === 'secp384r1' ? 'ecdsa-sha2-nistp384' : 'ecdsa-sha2-nistp256';
    assertSchemeFits(key, scheme);
    keyids = [...sslibKeyids('ecdsa', scheme, pem), ...sslibKeyids('ecdsa', scheme, pem.trim())];
  } else {
    throw new InTotoError('KEY_UNSUPPORTED', `unsupported PEM key type ${String(key.asymmetricKeyType)}`);
  }
  return { identity: fingerprint, fingerprint, scheme, keyids, description: `${scheme} key ${fingerprint.slice(7, 23)}`, key };
}
