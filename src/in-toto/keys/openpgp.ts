/**
 * Armored OpenPGP certificates, read with openpgp.js, which we use for what it is
 * good at: certificate semantics. A (sub)key is usable only when, at `now`, the
 * primary key is valid (self-signed, not revoked, not expired) and, for a subkey,
 * its binding signature is valid, its flags allow signing and its embedded
 * back-signature verifies — without that last check, anyone could bind someone
 * else's signing subkey to their own certificate and double a vote.
 *
 * The signature maths itself is done elsewhere with node:crypto, on the key
 * material extracted here. openpgp.js is loaded lazily: most policies hold no
 * OpenPGP keys, and it is the largest module we ship.
 */
import type { KeyObject } from 'node:crypto';
import type { Key, Subkey } from 'openpgp';
import { InTotoError } from '../errors.js';
import { dsaPublicKey, ed25519FromRaw, rsaPublicKey } from './der.js';
import { materialFingerprint } from './material.js';
import type { PublicKey, SignatureScheme } from './types.js';

type Unusable = NonNullable<PublicKey['unusable']>;

export async function openpgpKeys(armored: string, now: Date): Promise<PublicKey[]> {
  const openpgp = await import('openpgp');
  // DSA is refused by openpgp.js's defaults; securesystemslib signs with it, so allow it.
  // A complete config object is required (a partial one makes openpgp.js crash).
  const config = { ...openpgp.config, rejectPublicKeyAlgorithms: new Set<number>() };
  let certs: Key[];
  try {
    certs = await openpgp.readKeys({ armoredKeys: armored, config });
  } catch (e) {
    throw new InTotoError('KEY_OPENPGP', `cannot read OpenPGP certificate: ${(e as Error).message}`, { cause: e });
  }
  const out: PublicKey[] = [];
  for (const cert of certs) {
    if (cert.isPrivate()) throw new InTotoError('KEY_FORMAT', 'key file contains an OpenPGP secret key; pin the public certificate only');
    const primaryFpr = cert.getFingerprint().toLowerCase();
    const primaryMaterial = keyMaterial(cert);
    if (!primaryMaterial) throw new InTotoError('KEY_UNSUPPORTED', `OpenPGP key ${primaryFpr.toUpperCase()} uses an unsupported algorithm`);
    const identity = materialFingerprint(primaryMaterial.key);

    const primaryProblem = await problemOf(() => cert.verifyPrimaryKey(now, undefined, config));
    for (const k of cert.getKeys()) {
      const material = k === cert ? primaryMaterial : keyMaterial(k);
      if (!material) continue; // encryption-only algorithms (ECDH, ElGamal) never sign
      const fpr = k.getFingerprint().toLowerCase();
      const isPrimary = k === cert;
      const problem =
        primaryProblem ??
        (isPrimary ? undefined : await problemOf(() => (k as Subkey).verify(now, config))) ??
        (await problemOf(() => cert.getSigningKey(k.getKeyID(), now, undefined, config)));
      const expires = await expiry(k, cert, now, config);
      out.push({
        identity,
        fingerprint: materialFingerprint(material.key),
        scheme: material.scheme,
        keyids: [fpr],
        description: isPrimary ? `OpenPGP key ${fpr.toUpperCase()}` : `OpenPGP subkey ${fpr.toUpperCase()} of ${primaryFpr.toUpperCase()}`,
        notBefore: k.getCreationTime(),
        ...(expires ? { notAfter: expires } : {}),
        ...(problem ? { unusable: problem } : {}),
        key: material.key,
      });
    }
  }
  if (out.length === 0) throw new InTotoError('KEY_OPENPGP', 'no OpenPGP certificate found');
  return out;
}

async function problemOf(check: () => Promise<unknown>): Promise<Unusable | undefined> {
  try {
    await check();
    return undefined;
  } catch (e) {
    const reason = (e as Error).message;
    if (/revoked/i.test(reason)) return { code: 'KEY_REVOKED', reason };
    if (/expired/i.test(reason)) return { code: 'KEY_EXPIRED', reason };
    // A subkey whose binding (or embedded back-signature) does not verify is not part of this certificate.
    if (/binding|embedded/i.test(reason)) return { code: 'KEY_UNBOUND', reason };
    return { code: 'KEY_OPENPGP', reason };
  }
}

async function expiry(k: Key | Subkey, cert: Key, now: Date, config: object): Promise<Date | undefined> {
  try {
    const t = k === cert ? await cert.getExpirationTime(undefined, config as never) : await (k as Subkey).getExpirationTime(now, config as never);
    return t instanceof Date ? t : undefined;
  } catch {
    return undefined; // an unusable key is already marked; expiry is only informative then
  }
}

interface Material {
  key: KeyObject;
  scheme: SignatureScheme;
}

/** node:crypto key material for the algorithms securesystemslib's GPG format covers. */
function keyMaterial(k: Key | Subkey): Material | undefined {
  const params = k.keyPacket.publicParams as Record<string, Uint8Array | { getName?: () => string } | undefined>;
  const bytes = (name: string): Uint8Array => {
    const v = params[name];
    if (!(v instanceof Uint8Array)) throw new InTotoError('KEY_OPENPGP', `OpenPGP key lacks parameter ${name}`);
    return v;
  };
  switch (k.keyPacket.algorithm as number) {
    case 1: // RSA (encrypt or sign)
    case 3: // RSA sign-only
      return { key: rsaPublicKey(bytes('n'), bytes('e')), scheme: 'pgp+rsa-pkcsv1.5' };
    case 17: // DSA
      return { key: dsaPublicKey(bytes('p'), bytes('q'), bytes('g'), bytes('y')), scheme: 'pgp+dsa-fips-180-2' };
    case 22: {
      // Legacy EdDSA: Q is 0x40 followed by the 32-byte Ed25519 key.
      const q = bytes('Q');
      if (q.length !== 33 || q[0] !== 0x40) throw new InTotoError('KEY_OPENPGP', 'unexpected EdDSA point encoding');
      return { key: ed25519FromRaw(q.subarray(1)), scheme: 'pgp+eddsa-ed25519' };
    }
    default:
      return undefined;
  }
}
