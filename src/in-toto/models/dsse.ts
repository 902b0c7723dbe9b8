/**
 * DSSE envelopes: `{payload, payloadType, signatures:[{keyid?, sig}]}`, signed over
 * PAE(type, body). Base64 is checked strictly before decoding, because Node's
 * decoder silently skips characters outside the alphabet; both the standard and
 * the URL-safe alphabets are accepted, as the DSSE spec requires of verifiers.
 */
import { isJsonArray, type JsonValue } from '../json.js';
import { MAX_SIGNATURES } from './metablock.js';
import { expectFields, expectObject, expectString, fail } from './fields.js';
import type { DocumentSignature } from './signature.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly pae: Buffer;
  readonly signatures: readonly DocumentSignature[];
}

/** "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in UTF-8 bytes. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodeBase64Strict(s: string, what: string): Buffer {
  if (!BASE64.test(s) || /[+/]/.test(s) && /[-_]/.test(s)) fail('DSSE_FORMAT', `${what} is not base64`);
  const unpadded = s.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) fail('DSSE_FORMAT', `${what} has an impossible base64 length`);
  if (s.includes('=') && s.length % 4 !== 0) fail('DSSE_FORMAT', `${what} has bad base64 padding`);
  const bytes = Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  // Reject non-canonical encodings (stray low bits), so one envelope has one meaning.
  if (bytes.toString('base64').replace(/=+$/, '') !== unpadded.replace(/-/g, '+').replace(/_/g, '/')) {
    fail('DSSE_FORMAT', `${what} is not canonical base64`);
  }
  return bytes;
}

export function isDsseEnvelope(v: JsonValue): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'payloadType' in v && 'payload' in v;
}

export function parseDsseEnvelope(v: JsonValue): DsseEnvelope {
  const obj = expectObject(v, 'envelope');
  expectFields(obj, 'envelope', ['payload', 'payloadType', 'signatures']);
  const payloadType = expectString(obj['payloadType'], 'envelope.payloadType');
  if (payloadType.length === 0) fail('DSSE_FORMAT', 'envelope.payloadType is empty');
  const payload = decodeBase64Strict(expectString(obj['payload'], 'envelope.payload'), 'envelope.payload');
  const list = obj['signatures'];
  if (!isJsonArray(list) || list.length === 0) fail('DSSE_FORMAT', 'envelope.signatures must be a non-empty list');
  if (list.length > MAX_SIGNATURES) fail('DSSE_FORMAT', `more than ${MAX_SIGNATURES} signatures`);
  const signatures = list.map((s, i): DocumentSignature => {
    const what = `envelope.signatures[${i}]`;
    const o = expectObject(s, what);
    expectFields(o, what, ['sig'], ['keyid']);
    const keyid = o['keyid'] === undefined ? undefined : expectString(o['keyid'], `${what}.keyid`);
    const sig = decodeBase64Strict(expectString(o['sig'], `${what}.sig`), `${what}.sig`);
    return { kind: 'raw', ...(keyid !== undefined ? { keyid } : {}), sig };
  });
  return { payloadType, payload, pae: pae(payloadType, payload), signatures };
}
