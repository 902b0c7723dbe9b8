/**
 * One entry point for key files whatever their format: a PEM public key
 * (rebuilderd's included), an armored OpenPGP certificate, or securesystemslib
 * JSON (plain or GPG). Detection is by content, never by file name.
 */
import { InTotoError } from '../errors.js';
import { isJsonObject, parseStrictJson, type JsonValue } from '../json.js';
import { gpgJsonKeys, isGpgJsonKey } from './gpg-json.js';
import { openpgpKeys } from './openpgp.js';
import { isSslibKey, pemKey, sslibKey } from './sslib.js';
import type { PublicKey } from './types.js';

const MAX_KEY_FILE = 1024 * 1024;

export async function loadPublicKeys(data: Uint8Array, now: Date): Promise<PublicKey[]> {
  if (data.byteLength > MAX_KEY_FILE) throw new InTotoError('KEY_FORMAT', `key file larger than ${MAX_KEY_FILE} bytes`);
  const text = Buffer.from(data).toString('utf8');
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return openpgpKeys(trimmed, now);
  if (trimmed.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----') || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) {
    throw new InTotoError('KEY_FORMAT', 'key file holds a private key; pin the public key only');
  }
  if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) return [pemKey(trimmed)];
  if (trimmed.startsWith('{')) return keysFromJson(parseStrictJson(data));
  throw new InTotoError('KEY_FORMAT', 'not a PEM public key, an armored OpenPGP certificate or securesystemslib key JSON');
}

/** A key given as JSON: a securesystemslib key or a GPG key with its subkeys. */
export function keysFromJson(value: JsonValue): PublicKey[] {
  if (!isJsonObject(value)) throw new InTotoError('KEY_FORMAT', 'a key must be a JSON object');
  if (isSslibKey(value)) return [sslibKey(value)];
  if (isGpgJsonKey(value)) return gpgJsonKeys(value);
  throw new InTotoError('KEY_FORMAT', 'unrecognised key JSON (neither securesystemslib nor GPG format)');
}
