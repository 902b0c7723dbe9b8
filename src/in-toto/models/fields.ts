/**
 * Small validators shared by the metadata models. Every model is strict: exact
 * field sets, exact types, lowercase hex digests of the right length, so that
 * what we verify is exactly what we later act on.
 */
import { InTotoError, type InTotoErrorCode } from '../errors.js';
import { isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../json.js';

export function fail(code: InTotoErrorCode, message: string): never {
  throw new InTotoError(code, message);
}

export function expectObject(v: JsonValue | undefined, what: string): JsonObject {
  if (!isJsonObject(v)) fail('METADATA_FORMAT', `${what} must be an object`);
  return v;
}

export function expectString(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string') fail('METADATA_FORMAT', `${what} must be a string`);
  return v;
}

export function expectStringArray(v: JsonValue | undefined, what: string): readonly string[] {
  if (!isJsonArray(v) || !v.every((x): x is string => typeof x === 'string')) fail('METADATA_FORMAT', `${what} must be a list of strings`);
  return v;
}

/** Require exactly `required` plus any of `optional`; an unknown field is an error. */
export function expectFields(obj: JsonObject, what: string, required: readonly string[], optional: readonly string[] = []): void {
  for (const f of required) if (!(f in obj)) fail('METADATA_FORMAT', `${what} lacks "${f}"`);
  const allowed = new Set([...required, ...optional]);
  for (const f of Object.keys(obj)) if (!allowed.has(f)) fail('METADATA_FORMAT', `${what} has unknown field "${f}"`);
}

const DIGEST_LENGTHS: Record<string, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  'sha512-224': 56,
  'sha512-256': 64,
  sha3_224: 56,
  sha3_256: 64,
  sha3_384: 96,
  sha3_512: 128,
  'sha3-256': 64,
  'sha3-512': 128,
};

export type DigestSet = Readonly<Record<string, string>>;

/** A hash dict `{alg: hex}`. Unknown algorithms are kept (they never match a .deb) but must be hex. */
export function expectDigestSet(v: JsonValue | undefined, what: string): DigestSet {
  const obj = expectObject(v, what);
  const out: Record<string, string> = {};
  for (const [alg, value] of Object.entries(obj)) {
    if (!/^[a-z0-9_-]{1,32}$/.test(alg)) fail('METADATA_FORMAT', `${what}: bad digest algorithm name`);
    if (typeof value !== 'string' || !/^[0-9a-f]+$/.test(value)) fail('METADATA_FORMAT', `${what}.${alg} must be lowercase hex`);
    const expected = DIGEST_LENGTHS[alg];
    if (expected !== undefined && value.length !== expected) fail('METADATA_FORMAT', `${what}.${alg} must be ${expected} hex digits`);
    out[alg] = value;
  }
  return out;
}

export type ArtifactMap = ReadonlyMap<string, DigestSet>;

export function expectArtifacts(v: JsonValue | undefined, what: string): ArtifactMap {
  const obj = expectObject(v, what);
  const out = new Map<string, DigestSet>();
  for (const [name, digests] of Object.entries(obj)) out.set(name, expectDigestSet(digests, `${what}[${JSON.stringify(name)}]`));
  return out;
}
