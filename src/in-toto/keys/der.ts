/**
 * The few DER and SubjectPublicKeyInfo encodings node:crypto needs from us:
 * raw Ed25519 keys, DSA keys (no JWK form exists for DSA), and the NULL-parameter
 * Ed25519 SPKI that rebuilderd (in-toto-rs) publishes and OpenSSL refuses.
 * Encoding only; parsing is left to node:crypto.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { InTotoError } from '../errors.js';

/** RFC 8410 Ed25519 SPKI prefix; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** in-toto-rs writes the AlgorithmIdentifier with a NULL parameter, which RFC 8410 forbids. */
const ED25519_SPKI_NULL_PREFIX = Buffer.from('302c300706032b65700500032100', 'hex');

export function ed25519FromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new InTotoError('KEY_FORMAT', `an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** If `der` is rebuilderd's NULL-parameter Ed25519 SPKI, the standard form of it; else undefined. */
export function normalizeRebuilderdSpki(der: Uint8Array): Buffer | undefined {
  const buf = Buffer.from(der);
  if (buf.length === ED25519_SPKI_NULL_PREFIX.length + 32 && buf.subarray(0, ED25519_SPKI_NULL_PREFIX.length).equals(ED25519_SPKI_NULL_PREFIX)) {
    return Buffer.concat([ED25519_SPKI_PREFIX, buf.subarray(ED25519_SPKI_NULL_PREFIX.length)]);
  }
  return undefined;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** A positive INTEGER from big-endian magnitude bytes. */
function integer(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = Buffer.from(magnitude.subarray(start));
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const DSA_OID = Buffer.from('06072a8648ce380401', 'hex'); // 1.2.840.10040.4.1

export function dsaPublicKey(p: Uint8Array, q: Uint8Array, g: Uint8Array, y: Uint8Array): KeyObject {
  const algorithm = sequence(DSA_OID, sequence(integer(p), integer(q), integer(g)));
  const subjectPublicKey = tlv(0x03, Buffer.concat([Buffer.from([0]), integer(y)]));
  return createPublicKey({ key: sequence(algorithm, subjectPublicKey), format: 'der', type: 'spki' });
}

export function rsaPublicKey(n: Uint8Array, e: Uint8Array): KeyObject {
  const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'RSA', n: b64url(stripZeros(n)), e: b64url(stripZeros(e)) }, format: 'jwk' });
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** Encode raw (r, s) as the DER `SEQUENCE { INTEGER r, INTEGER s }` node:crypto verifies. */
export function derSignature(r: Uint8Array, s: Uint8Array): Buffer {
  return sequence(integer(r), integer(s));
}
