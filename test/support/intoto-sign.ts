/**
 * In-process signing of in-toto documents for tests and benchmarks, the way real
 * producers sign them: securesystemslib keys over canonical JSON (what
 * `in-toto-run` and rebuilderd's in-toto-rs do) and DSSE over PAE. Interop with the
 * real tools is proven by the fixtures in test/vectors/; this exists because
 * `in-toto-run` costs ~0.3 s per link and bulk tests need thousands.
 */
import { createHash, constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize, pae, type JsonObject, type JsonValue } from '../../src/in-toto/index.js';

export type TestScheme = 'ed25519' | 'rsassa-pss-sha256' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384';

export interface TestSigner {
  readonly scheme: TestScheme;
  readonly privateKey: KeyObject;
  /** Standard SPKI PEM. */
  readonly publicPem: string;
  /** For ed25519: the NULL-parameter SPKI PEM rebuilderd publishes. */
  readonly rebuilderdPem: string;
  /** securesystemslib key JSON, as `in-toto-keygen` writes the .pub file. */
  readonly sslibJson: string;
  /** Legacy securesystemslib keyid (with keyid_hash_algorithms), as in-toto 1.3 and in-toto-rs compute it. */
  readonly keyid: string;
}

export function makeSigner(scheme: TestScheme = 'ed25519'): TestSigner {
  const { privateKey, publicKey } =
    scheme === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : scheme === 'rsassa-pss-sha256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: scheme === 'ecdsa-sha2-nistp256' ? 'prime256v1' : 'secp384r1' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keytype = scheme === 'ed25519' ? 'ed25519' : scheme === 'rsassa-pss-sha256' ? 'rsa' : 'ecdsa';
  const raw = scheme === 'ed25519' ? Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url') : undefined;
  const publicValue = raw ? raw.toString('hex') : publicPem;
  const keyidBody = { keyid_hash_algorithms: ['sha256', 'sha512'], keytype, keyval: { public: publicValue }, scheme };
  const keyid = createHash('sha256').update(canonicalize(keyidBody)).digest('hex');
  const rebuilderdPem = raw
    ? `-----BEGIN PUBLIC KEY-----\r\n${Buffer.concat([Buffer.from('302c300706032b65700500032100', 'hex'), raw]).toString('base64')}\r\n-----END PUBLIC KEY-----\r\n`
    : publicPem;
  const sslibJson = JSON.stringify({ keytype, scheme, keyid_hash_algorithms: ['sha256', 'sha512'], keyval: { public: publicValue } });
  return { scheme, privateKey, publicPem, rebuilderdPem, sslibJson, keyid };
}

export function signBytes(signer: TestSigner, data: Uint8Array): Buffer {
  switch (signer.scheme) {
    case 'ed25519':
      return sign(null, data, signer.privateKey);
    case 'rsassa-pss-sha256':
      return sign('sha256', data, { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ecdsa-sha2-nistp256':
      return sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'der' });
    case 'ecdsa-sha2-nistp384':
      return sign('sha384', data, { key: signer.privateKey, dsaEncoding: 'der' });
  }
}

export interface LinkSpec {
  name?: string;
  /** file name -> sha256 hex (or a full digest set) */
  products: Record<string, string | Record<string, string>>;
  materials?: Record<string, string | Record<string, string>>;
  environment?: JsonObject | null;
}

const digests = (m: Record<string, string | Record<string, string>>): JsonObject =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'string' ? { sha256: v } : v]));

export function linkBody(spec: LinkSpec): JsonObject {
  return {
    _type: 'link',
    name: spec.name ?? 'rebuild',
    command: [],
    materials: digests(spec.materials ?? {}),
    products: digests(spec.products),
    byproducts: {},
    environment: spec.environment === undefined ? {} : spec.environment,
  };
}

/** A Metablock `{signed, signatures}` with one signature per signer, in order. */
export function signMetablock(signed: JsonValue, signers: readonly TestSigner[]): Buffer {
  const bytes = canonicalize(signed);
  const signatures = signers.map((s) => ({ keyid: s.keyid, sig: signBytes(s, bytes).toString('hex') }));
  return Buffer.from(JSON.stringify({ signatures, signed }));
}

/**
 * A rebuilderd-style attestation: step `rebuild <file>`, the .buildinfo as material,
 * the .deb with sha256 and sha512, `environment: null`, the worker's signature first
 * and the instance's second.
 */
export function rebuilderdAttestation(debFile: string, debSha256: string, instance: TestSigner, worker: TestSigner = makeSigner()): Buffer {
  const buildinfo = debFile.replace(/\.deb$/, '.buildinfo');
  const signed = linkBody({
    name: `rebuild ${debFile}`,
    materials: { [buildinfo]: { sha256: '1'.repeat(64), sha512: '2'.repeat(128) } },
    products: { [debFile]: { sha256: debSha256, sha512: '3'.repeat(128) } },
    environment: null,
  });
  return signMetablock(signed, [worker, instance]);
}

export function signDsse(payloadType: string, payload: Uint8Array, signers: readonly TestSigner[]): Buffer {
  const message = pae(payloadType, payload);
  return Buffer.from(
    JSON.stringify({
      payload: Buffer.from(payload).toString('base64'),
      payloadType,
      signatures: signers.map((s) => ({ keyid: s.keyid, sig: signBytes(s, message).toString('base64') })),
    }),
  );
}

export function statementBody(subjects: Array<{ name: string; sha256: string }>, predicateType = 'https://in-toto.io/attestation/link/v0.3'): JsonObject {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType,
    predicate: { name: 'rebuild', command: [], materials: [], byproducts: {}, environment: {} },
  };
}
