/**
 * The v0.9 Metablock `{"signed": …, "signatures": […]}`: what is signed is the
 * securesystemslib canonical JSON of `signed`. Signatures are securesystemslib
 * `{keyid, sig}` (hex) or GPG `{keyid, other_headers, signature}`.
 */
import { canonicalize } from '../canonical.js';
import { isJsonArray, type JsonObject, type JsonValue } from '../json.js';
import { expectFields, expectObject, expectString, fail } from './fields.js';
import type { DocumentSignature } from './signature.js';

export const MAX_SIGNATURES = 32;

export interface Metablock {
  readonly signed: JsonObject;
  readonly signedBytes: Buffer;
  readonly signatures: readonly DocumentSignature[];
}

export function isMetablock(obj: JsonObject): boolean {
  return 'signed' in obj && 'signatures' in obj;
}

export function parseMetablock(v: JsonValue): Metablock {
  const obj = expectObject(v, 'metadata');
  expectFields(obj, 'metadata', ['signed', 'signatures']);
  const signed = expectObject(obj['signed'], 'signed');
  const list = obj['signatures'];
  if (!isJsonArray(list)) fail('METADATA_FORMAT', 'signatures must be a list');
  if (list.length > MAX_SIGNATURES) fail('METADATA_FORMAT', `more than ${MAX_SIGNATURES} signatures`);
  return { signed, signedBytes: canonicalize(signed), signatures: list.map(parseMetablockSignature) };
}

const HEX = /^(?:[0-9a-f]{2})+$/;

function parseMetablockSignature(v: JsonValue, i: number): DocumentSignature {
  const what = `signatures[${i}]`;
  const s = expectObject(v, what);
  const keyid = expectString(s['keyid'], `${what}.keyid`).toLowerCase();
  if ('other_headers' in s) {
    expectFields(s, what, ['keyid', 'other_headers', 'signature'], ['short_keyid', 'info']);
    const otherHeaders = expectString(s['other_headers'], `${what}.other_headers`);
    const signature = expectString(s['signature'], `${what}.signature`);
    if (!HEX.test(otherHeaders) || !HEX.test(signature)) fail('SIGNATURE_FORMAT', `${what}: GPG fields must be lowercase hex`);
    return { kind: 'gpg', keyid, otherHeaders: Buffer.from(otherHeaders, 'hex'), signature: Buffer.from(signature, 'hex') };
  }
  // The v0.9 spec text also shows a `method` field that implementations do not emit.
  expectFields(s, what, ['keyid', 'sig'], ['method']);
  const sig = expectString(s['sig'], `${what}.sig`);
  if (!HEX.test(sig)) fail('SIGNATURE_FORMAT', `${what}.sig must be lowercase hex`);
  return { kind: 'raw', keyid, sig: Buffer.from(sig, 'hex') };
}
