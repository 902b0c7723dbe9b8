import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InTotoError,
  canonicalize,
  findSubjectsWithDigest,
  loadPublicKeys,
  parseAttestation,
  verifyAttestation,
  type PublicKey,
} from '../../../src/in-toto/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signDsse, signMetablock, statementBody, type TestScheme, type TestSigner } from '../../support/intoto-sign.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const SHA = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const keysOf = async (s: TestSigner, form: 'pem' | 'rebuilderd' | 'sslib' = 'sslib'): Promise<PublicKey[]> =>
  loadPublicKeys(Buffer.from(form === 'pem' ? s.publicPem : form === 'rebuilderd' ? s.rebuilderdPem : s.sslibJson), NOW);

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof InTotoError) return e.code;
    throw e;
  }
  return undefined;
};

describe('verifyAttestation: v0.9 links', () => {
  it.each<TestScheme>(['ed25519', 'rsassa-pss-sha256', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'])('verifies %s signatures and refuses them tampered', async (scheme) => {
    const signer = makeSigner(scheme);
    const keys = await keysOf(signer);
    const bytes = signMetablock(linkBody({ products: { 'foo_1.0_all.deb': SHA } }), [signer]);
    const doc = parseAttestation(bytes);
    expect(verifyAttestation(doc, keys, NOW).ok).toBe(true);
    expect(findSubjectsWithDigest(doc, SHA)).toHaveLength(1);
    const tampered = parseAttestation(Buffer.from(bytes.toString().replace(SHA, OTHER)));
    const check = verifyAttestation(tampered, keys, NOW);
    expect(!check.ok && check.code).toBe('SIGNATURE_INVALID');
  });

  it('a key written as PEM, rebuilderd PEM and securesystemslib JSON is one identity', async () => {
    const s = makeSigner('ed25519');
    const [a, b, c] = await Promise.all([keysOf(s, 'pem'), keysOf(s, 'rebuilderd'), keysOf(s, 'sslib')]);
    expect(new Set([a[0]!.identity, b[0]!.identity, c[0]!.identity]).size).toBe(1);
  });

  it('counts a document once per key however often that key signed it', async () => {
    const s = makeSigner();
    const bytes = signMetablock(linkBody({ products: { x: SHA } }), [s, s, s]);
    const check = verifyAttestation(parseAttestation(bytes), await keysOf(s), NOW);
    expect(check.ok && check.attestation.signers).toHaveLength(1);
  });

  it('ignores an unknown worker signature beside the trusted one (rebuilderd)', async () => {
    const instance = makeSigner();
    const doc = parseAttestation(rebuilderdAttestation('foo_1.0-1_amd64.deb', SHA, instance));
    expect(doc.link?.environment).toBeNull();
    expect(verifyAttestation(doc, await keysOf(instance, 'rebuilderd'), NOW).ok).toBe(true);
  });

  it('treats keyid as a hint only: a keyid naming a trusted key over another key’s signature is refused', async () => {
    const trusted = makeSigner();
    const attacker = makeSigner();
    const signed = linkBody({ products: { x: SHA } });
    const forged = JSON.parse(signMetablock(signed, [attacker]).toString());
    forged.signatures[0].keyid = trusted.keyid;
    const check = verifyAttestation(parseAttestation(Buffer.from(JSON.stringify(forged))), await keysOf(trusted), NOW);
    expect(!check.ok && check.code).toBe('SIGNATURE_INVALID');
    // ...and a valid signature with a wrong keyid still verifies (the key material decides).
    const good = JSON.parse(signMetablock(signed, [trusted]).toString());
    good.signatures[0].keyid = 'f'.repeat(64);
    expect(verifyAttestation(parseAttestation(Buffer.from(JSON.stringify(good))), await keysOf(trusted), NOW).ok).toBe(true);
  });

  it('refuses a document signed by an untrusted key with SIGNATURE_NONE_TRUSTED', async () => {
    const check = verifyAttestation(parseAttestation(signMetablock(linkBody({ products: { x: SHA } }), [makeSigner()])), await keysOf(makeSigner()), NOW);
    expect(!check.ok && check.code).toBe('SIGNATURE_NONE_TRUSTED');
  });

  it.each([
    ['an extra field in signed', (l: Record<string, unknown>) => ({ ...l, extra: 1 })],
    ['a missing field', (l: Record<string, unknown>) => Object.fromEntries(Object.entries(l).filter(([k]) => k !== 'byproducts'))],
    ['a layout type', (l: Record<string, unknown>) => ({ ...l, _type: 'layout' })],
    ['uppercase hex', (l: Record<string, unknown>) => ({ ...l, products: { x: { sha256: SHA.toUpperCase() } } })],
    ['a short sha256', (l: Record<string, unknown>) => ({ ...l, products: { x: { sha256: 'abc' } } })],
    ['a non-string command', (l: Record<string, unknown>) => ({ ...l, command: [1] })],
  ])('refuses a link with %s', (_what, mutate) => {
    const signed = mutate({ ...linkBody({ products: { x: SHA } }) });
    const bytes = Buffer.from(JSON.stringify({ signatures: [], signed }));
    expect(code(() => parseAttestation(bytes))).toMatch(/^METADATA_/);
  });

  it('refuses canonical-JSON lookalikes: duplicate keys, floats', () => {
    const s = makeSigner();
    const good = signMetablock(linkBody({ products: { x: SHA } }), [s]).toString();
    expect(code(() => parseAttestation(Buffer.from(good.replace('"_type":"link"', '"_type":"link","_type":"link"'))))).toBe('JSON_DUPLICATE_KEY');
    expect(code(() => parseAttestation(Buffer.from(good.replace('"signed":{', '"signed":{"n":1.0,'))))).toBe('JSON_NUMBER');
  });

  it('refuses signatures that are not hex', () => {
    const bytes = JSON.stringify({ signatures: [{ keyid: 'k', sig: 'zz' }], signed: linkBody({ products: {} }) });
    expect(code(() => parseAttestation(Buffer.from(bytes)))).toBe('SIGNATURE_FORMAT');
  });
});

describe('verifyAttestation: DSSE', () => {
  it('verifies a Statement v1 with a link predicate and finds its subject', async () => {
    const s = makeSigner('ecdsa-sha2-nistp256');
    const env = signDsse('application/vnd.in-toto+json', canonicalize(statementBody([{ name: 'foo.deb', sha256: SHA }])), [s]);
    const doc = parseAttestation(env);
    expect(doc.format).toBe('dsse-statement');
    expect(verifyAttestation(doc, await keysOf(s), NOW).ok).toBe(true);
    expect(findSubjectsWithDigest(doc, SHA)).toHaveLength(1);
  });

  it('verifies a DSSE envelope carrying a v0.9 link', async () => {
    const s = makeSigner();
    const doc = parseAttestation(signDsse('application/vnd.in-toto+json', Buffer.from(JSON.stringify(linkBody({ products: { x: SHA } }))), [s]));
    expect(doc.format).toBe('dsse-link');
    expect(verifyAttestation(doc, await keysOf(s), NOW).ok).toBe(true);
  });

  it('refuses an unknown payload type and an unknown predicate type', () => {
    const s = makeSigner();
    const payload = canonicalize(statementBody([{ name: 'x', sha256: SHA }]));
    expect(code(() => parseAttestation(signDsse('application/json', payload, [s])))).toBe('DSSE_PAYLOAD_TYPE');
    const odd = canonicalize(statementBody([{ name: 'x', sha256: SHA }], 'https://example.com/NotARebuild/v1'));
    expect(code(() => parseAttestation(signDsse('application/vnd.in-toto+json', odd, [s])))).toBe('STATEMENT_PREDICATE_TYPE');
  });

  it('refuses a payload-type swap: the signature covers the type', async () => {
    const s = makeSigner();
    const env = JSON.parse(signDsse('application/vnd.other+json', canonicalize(statementBody([{ name: 'x', sha256: SHA }])), [s]).toString());
    env.payloadType = 'application/vnd.in-toto+json';
    const check = verifyAttestation(parseAttestation(Buffer.from(JSON.stringify(env))), await keysOf(s), NOW);
    expect(!check.ok && check.code).toBe('SIGNATURE_INVALID');
  });

  it('refuses sloppy base64', () => {
    const s = makeSigner();
    const env = JSON.parse(signDsse('application/vnd.in-toto+json', canonicalize(statementBody([{ name: 'x', sha256: SHA }])), [s]).toString());
    env.payload = env.payload.slice(0, 4) + '!' + env.payload.slice(4);
    expect(code(() => parseAttestation(Buffer.from(JSON.stringify(env))))).toBe('DSSE_FORMAT');
  });
});

describe('parseAttestation never throws an untyped error', () => {
  const base = JSON.parse(rebuilderdAttestation('foo_1.0_all.deb', SHA, makeSigner()).toString());
  const mutate = fc.oneof(
    fc.string().map((s) => JSON.stringify({ ...base, signed: { ...base.signed, name: s } })),
    fc.jsonValue().map((v) => JSON.stringify({ ...base, signed: { ...base.signed, products: v } })),
    fc.jsonValue().map((v) => JSON.stringify({ ...base, signatures: v })),
    fc.jsonValue().map((v) => JSON.stringify({ payload: v, payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: 'AA==' }] })),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
  );
  it('on mutated documents', async () => {
    const keys = await loadPublicKeys(Buffer.from(makeSigner().sslibJson), NOW);
    fc.assert(
      fc.property(mutate, (text) => {
        try {
          verifyAttestation(parseAttestation(Buffer.from(text)), keys, NOW);
        } catch (e) {
          expect(e).toBeInstanceOf(InTotoError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
