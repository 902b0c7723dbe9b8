import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InTotoError, loadPublicKeys } from '../../../src/in-toto/index.js';
import { makeSigner } from '../../support/intoto-sign.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const load = (text: string) => loadPublicKeys(Buffer.from(text), NOW);
const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof InTotoError ? e.code : `untyped: ${String(e)}`));

describe('loadPublicKeys', () => {
  it('reads PEM (both Ed25519 SPKI forms), securesystemslib JSON, with keyid hints in both conventions', async () => {
    const s = makeSigner('ed25519');
    const [pem] = await load(s.publicPem);
    const [rebuilderd] = await load(s.rebuilderdPem);
    const [json] = await load(s.sslibJson);
    expect(pem!.scheme).toBe('ed25519');
    expect(rebuilderd!.fingerprint).toBe(pem!.fingerprint);
    expect(json!.identity).toBe(pem!.identity);
    expect(json!.keyids).toContain(s.keyid);
    expect(rebuilderd!.keyids).toContain(s.keyid);
  });

  it('infers ECDSA curves and defaults RSA PEM to rsassa-pss-sha256', async () => {
    expect((await load(makeSigner('ecdsa-sha2-nistp384').publicPem))[0]!.scheme).toBe('ecdsa-sha2-nistp384');
    expect((await load(makeSigner('ecdsa-sha2-nistp256').publicPem))[0]!.scheme).toBe('ecdsa-sha2-nistp256');
    expect((await load(makeSigner('rsassa-pss-sha256').publicPem))[0]!.scheme).toBe('rsassa-pss-sha256');
  });

  it('refuses private keys, short RSA keys, mislabelled schemes and garbage', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await codeOf(load(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('KEY_FORMAT');
    expect(await codeOf(load(publicKey.export({ type: 'spki', format: 'pem' }).toString()))).toBe('KEY_UNSUPPORTED');
    const ed = JSON.parse(makeSigner('ed25519').sslibJson);
    expect(await codeOf(load(JSON.stringify({ ...ed, scheme: 'ecdsa-sha2-nistp256' })))).toBe('KEY_FORMAT');
    expect(await codeOf(load(JSON.stringify({ ...ed, keyval: { public: ed.keyval.public, private: 'ab' } })))).toBe('KEY_FORMAT');
    expect(await codeOf(load(JSON.stringify({ ...ed, scheme: 'hmac-sha256' })))).toBe('KEY_UNSUPPORTED');
    expect(await codeOf(load('not a key'))).toBe('KEY_FORMAT');
    expect(await codeOf(load('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'))).toBe('KEY_FORMAT');
    expect(await codeOf(load('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n'))).toBe('KEY_OPENPGP');
  });

  it('never throws an untyped error', async () => {
    const ed = JSON.parse(makeSigner('ed25519').sslibJson);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.jsonValue().map((v) => JSON.stringify({ ...ed, keyval: { public: v } })),
          fc.jsonValue().map((v) => JSON.stringify({ type: 'rsa', method: 'pgp+rsa-pkcsv1.5', keyid: 'a'.repeat(40), keyval: { public: v } })),
          fc.base64String().map((b) => `-----BEGIN PUBLIC KEY-----\n${b}\n-----END PUBLIC KEY-----\n`),
        ),
        async (text) => {
          expect(await codeOf(load(text))).not.toMatch(/^untyped/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
