/**
 * securesystemslib's GPG public-key JSON, as layouts embed it
 * (`{"type":"rsa","method":"pgp+rsa-pkcsv1.5","keyid":<v4 fingerprint>,
 * "keyval":{"public":{...}},"subkeys":{...}}`).
 *
 * Such keys carry no OpenPGP self- or binding signatures (the layout's own
 * signature vouches for them), so the only validity checks possible are creation
 * time and expiry, which are recorded for the verifier to judge at `now`.
 */
import { InTotoError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import { dsaPublicKey, ed25519FromRaw, rsaPublicKey } from './der.js';
import { materialFingerprint } from './material.js';
import type { PublicKey, SignatureScheme } from './types.js';

const METHODS: Record<string, { type: string; scheme: SignatureScheme; params: readonly string[] }> = {
  'pgp+rsa-pkcsv1.5': { type: 'rsa', scheme: 'pgp+rsa-pkcsv1.5', params: ['e', 'n'] },
  'pgp+dsa-fips-180-2': { type: 'dsa', scheme: 'pgp+dsa-fips-180-2', params: ['g', 'p', 'q', 'y'] },
  'pgp+eddsa-ed25519': { type: 'eddsa', scheme: 'pgp+eddsa-ed25519', params: ['q'] },
};

const KNOWN_FIELDS = new Set(['type', 'method', 'hashes', 'keyid', 'keyval', 'creation_time', 'validity_period', 'subkeys']);

export function isGpgJsonKey(obj: JsonObject): boolean {
  return typeof obj['method'] === 'string' && obj['method'].startsWith('pgp+');
}

/** The primary key and each subkey, all sharing the primary's identity. */
export function gpgJsonKeys(obj: JsonObject): PublicKey[] {
  const primary = oneKey(obj, undefined);
  const subkeys = obj['subkeys'];
  if (subkeys === undefined) return [primary];
  if (!isJsonObject(subkeys)) throw new InTotoError('KEY_FORMAT', 'GPG key "subkeys" must be an object');
  const out = [primary];
  for (const [fpr, sub] of Object.entries(subkeys)) {
    if (!isJsonObject(sub)) throw new InTotoError('KEY_FORMAT', `GPG subkey ${fpr} must be an object`);
    if (sub['subkeys'] !== undefined) throw new InTotoError('KEY_FORMAT', 'GPG subkeys cannot have subkeys');
    if (typeof sub['keyid'] === 'string' && sub['keyid'] !== fpr) {
      throw new InTotoError('KEY_FORMAT', `GPG subkey listed as ${fpr} says its keyid is ${sub['keyid']}`);
    }
    out.push(oneKey(sub, primary));
  }
  return out;
}

function oneKey(obj: JsonObject, primary: PublicKey | undefined): PublicKey {
  for (const field of Object.keys(obj)) {
    if (!KNOWN_FIELDS.has(field)) throw new InTotoError('KEY_FORMAT', `unknown field "${field}" in GPG key`);
  }
  const methodName = obj['method'];
  const method = typeof methodName === 'string' ? METHODS[methodName] : undefined;
  if (!method) throw new InTotoError('KEY_UNSUPPORTED', `unsupported GPG key method ${JSON.stringify(methodName)}`);
  if (obj['type'] !== method.type) throw new InTotoError('KEY_FORMAT', `GPG key type ${JSON.stringify(obj['type'])} does not fit ${method.scheme}`);
  const keyid = obj['keyid'];
  if (typeof keyid !== 'string' || !/^[0-9a-f]{40}$/.test(keyid)) {
    throw new InTotoError('KEY_FORMAT', 'GPG key "keyid" must be a 40-digit lowercase hex v4 fingerprint');
  }
  const keyval = obj['keyval'];
  if (!isJsonObject(keyval) || !isJsonObject(keyval['public'])) throw new InTotoError('KEY_FORMAT', 'GPG key needs keyval.public');
  if (keyval['private'] !== undefined && keyval['private'] !== '') throw new InTotoError('KEY_FORMAT', 'GPG key contains private material');
  const pub = keyval['public'];
  const names = Object.keys(pub).sort();
  if (names.join() !== method.params.join()) {
    throw new InTotoError('KEY_FORMAT', `GPG ${method.type} key needs exactly ${method.params.join(', ')} in keyval.public`);
  }
  const hex = (name: string): Buffer => {
    const v = pub[name];
    if (typeof v !== 'string' || v.length === 0 || v.length % 2 !== 0 || !/^[0-9a-f]+$/.test(v)) {
      throw new InTotoError('KEY_FORMAT', `GPG key parameter ${name} must be lowercase hex`);
    }
    return Buffer.from(v, 'hex');
  };

  const key =
    method.type === 'rsa'
      ? rsaPublicKey(hex('n'), hex('e'))
      : method.type === 'dsa'
        ? dsaPublicKey(hex('p'), hex('q'), hex('g'), hex('y'))
        : ed25519FromRaw(hex('q'));
  if (method.type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new InTotoError('KEY_UNSUPPORTED', 'RSA keys shorter than 2048 bits are refused');
  }

  const created = optionalInt(obj['creation_time'], 'creation_time');
  const validity = optionalInt(obj['validity_period'], 'validity_period');
  const fingerprint = materialFingerprint(key);
  const role = primary ? `subkey ${keyid.toUpperCase()} of ${primary.keyids[0]!.toUpperCase()}` : keyid.toUpperCase();
  return {
    identity: primary?.identity ?? fingerprint,
    fingerprint,
    scheme: method.scheme,
    keyids: [keyid],
    description: `GPG ${method.type} key ${role}`,
    ...(created !== undefined ? { notBefore: new Date(created * 1000) } : {}),
    ...(created !== undefined && validity !== undefined && validity > 0 ? { notAfter: new Date((created + validity) * 1000) } : {}),
    key,
  };
}

function optionalInt(v: JsonValue | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || v < 0) throw new InTotoError('KEY_FORMAT', `GPG key ${name} must be a non-negative integer`);
  return v;
}
