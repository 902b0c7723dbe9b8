/**
 * Interop with Debian's reference tools: links made by `in-toto-run` 1.3.1 and
 * keys made by gpg 2.2 and `in-toto-keygen` (test/vectors/in-toto-run/, made by
 * its generate.sh; see its README). Every genuine link verifies, every tampered
 * one is refused, and the OpenPGP threat certificates are judged at `now` —
 * stricter than the reference where the reference is lax (revocation,
 * back-signatures, EdDSA expiry).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findSubjectsWithDigest, loadPublicKeys, parseAttestation, verifyAttestation, verifyLayout, type PublicKey } from '../../src/in-toto/index.js';

const DIR = new URL('./in-toto-run/', import.meta.url);
const read = (rel: string): Buffer => readFileSync(new URL(rel, DIR));
interface KeyEntry { kind: 'openpgp' | 'securesystemslib'; cert?: string; gpgJson?: string; pub?: string; link?: string }
const index = JSON.parse(read('index.json').toString()) as {
  artifacts: Record<string, { sha256: string }>;
  keys: Record<string, KeyEntry>;
};
const DEB_SHA256 = index.artifacts['foo_1.0-1_amd64.deb']!.sha256;
// Between the fixtures' revocations (2024-09-01) and the layouts' expiry (2030-01-01).
const NOW = new Date('2026-11-25T12:00:00Z');

const armored = (name: string) => loadPublicKeys(read(index.keys[name]!.cert!), NOW);
const gpgJson = (name: string) => loadPublicKeys(read(index.keys[name]!.gpgJson!), NOW);
const sslib = (name: string) => loadPublicKeys(read(index.keys[name]!.pub!), NOW);
const verify = (link: string, keys: PublicKey[]) => verifyAttestation(parseAttestation(read(link)), keys, NOW);

describe('links made by in-toto-run', () => {
  const families: Array<[string, () => Promise<PublicKey[]>][]> = [
    [['gpg-rsa-subkey (armored)', () => armored('gpg-rsa-subkey')], ['gpg-rsa-subkey (GPG JSON)', () => gpgJson('gpg-rsa-subkey')]],
    [['gpg-eddsa (armored)', () => armored('gpg-eddsa')], ['gpg-eddsa (GPG JSON)', () => gpgJson('gpg-eddsa')]],
    [['gpg-dsa (armored)', () => armored('gpg-dsa')], ['gpg-dsa (GPG JSON)', () => gpgJson('gpg-dsa')]],
    [['ed25519', () => sslib('ed25519')]],
    [['rsa', () => sslib('rsa')]],
    [['ecdsa', () => sslib('ecdsa')]],
  ];
  for (const family of families) {
    for (const [label, keys] of family) {
      const name = label.split(' ')[0]!;
      it(`${label}: verifies, binds the .deb's sha256, and refuses the tampered copy`, async () => {
        const k = await keys();
        const link = index.keys[name]!.link!;
        const good = verify(link, k);
        expect(good.ok).toBe(true);
        expect(findSubjectsWithDigest(parseAttestation(read(link)), DEB_SHA256)).toHaveLength(1);
        const bad = verify(link.replace('.link', '.tampered.link'), k);
        expect(!bad.ok && bad.code).toBe('SIGNATURE_INVALID');
      });
    }
  }

  it("counts the RSA subkey's signature for the primary key's identity", async () => {
    const keys = await armored('gpg-rsa-subkey');
    const check = verify('links/gpg-rsa-subkey.link', keys);
    const primary = keys.find((k) => k.description.startsWith('OpenPGP key'))!;
    expect(check.ok && check.attestation.signers.map((k) => k.identity)).toEqual([primary.identity]);
    expect(check.ok && check.attestation.signers[0]!.description).toMatch(/subkey/);
  });

  it('refuses a key of another family (the EdDSA key does not verify the RSA link)', async () => {
    const check = verify('links/gpg-rsa-subkey.link', await armored('gpg-eddsa'));
    expect(check.ok).toBe(false);
  });
});

describe('OpenPGP certificates judged at now', () => {
  it.each([
    ['threat-expired-key', 'KEY_EXPIRED'],
    ['threat-expired-key-eddsa', 'KEY_EXPIRED'],
    ['threat-revoked-key', 'KEY_REVOKED'],
    ['threat-revoked-subkey', 'KEY_REVOKED'],
    ['threat-expired-subkey', 'KEY_EXPIRED'],
    ['threat-subkey-binding-broken', 'KEY_UNBOUND'],
    ['threat-subkey-binding-missing', 'KEY_UNBOUND'],
    ['threat-stolen-subkey-thief', 'KEY_UNBOUND'],
  ])('%s: refused with %s', async (name, code) => {
    const keys = await armored(name);
    const check = verify(index.keys[name]!.link!, keys);
    expect(!check.ok && check.code).toBe(code);
  });

  it('accepts the same link under the intact certificate (control)', async () => {
    expect(verify('links/threat-subkey-binding.link', await armored('threat-subkey-binding-intact')).ok).toBe(true);
  });

  it('the reference counts expired keys as valid before they expired; so do we, at that time', async () => {
    const then = new Date('2020-07-01T00:00:00Z');
    const keys = await loadPublicKeys(read(index.keys['threat-expired-key']!.cert!), then);
    expect(verifyAttestation(parseAttestation(read('links/threat-expired-key.link')), keys, then).ok).toBe(true);
  });

  it("never counts a stolen subkey for the thief's certificate (no back-signature), and counts it once for the owner", async () => {
    const owner = await armored('threat-stolen-subkey-owner');
    const check = verify('links/threat-stolen-subkey.link', owner);
    expect(check.ok && check.attestation.signers).toHaveLength(1);
  });

  it('a subkey validly bound under two certificates has one fingerprint (policy refuses it under two operators)', async () => {
    const owner = await armored('threat-stolen-subkey-owner');
    const c2 = await armored('threat-shared-subkey-c2');
    const fingerprints = new Set(owner.map((k) => k.fingerprint));
    expect(c2.some((k) => fingerprints.has(k.fingerprint))).toBe(true);
  });
});

describe('layouts made and signed by the reference tools', () => {
  const mainLinks = ['gpg-rsa-subkey', 'gpg-eddsa', 'gpg-dsa', 'ed25519', 'rsa', 'ecdsa'];

  it.each([
    ['layouts/root.layout', () => sslib('layout-owner-ed25519')],
    ['layouts/root.gpg.layout', () => armored('layout-owner-gpg')],
  ])('%s verifies, and its rebuild step accepts the six links with six distinct keys', async (file, ownerKeys) => {
    const layout = verifyLayout(read(file), await ownerKeys(), NOW);
    const step = layout.steps.get('rebuild')!;
    expect(step.threshold).toBe(6);
    const identities = new Set<string>();
    for (const name of mainLinks) {
      const check = verify(index.keys[name]!.link!, [...step.keys]);
      expect(check.ok).toBe(true);
      if (check.ok) check.attestation.signers.forEach((k) => identities.add(k.identity));
    }
    expect(identities.size).toBe(6);
  });

  it('refuses the expired layout and a layout under the wrong key', async () => {
    await expect(sslib('layout-owner-ed25519').then((k) => verifyLayout(read('layouts/root.expired.layout'), k, NOW))).rejects.toMatchObject({ code: 'LAYOUT_EXPIRED' });
    await expect(sslib('ed25519').then((k) => verifyLayout(read('layouts/root.layout'), k, NOW))).rejects.toMatchObject({ code: 'LAYOUT_SIGNATURE' });
  });
});
