/**
 * Interop with metadata made by other implementations: Debian's real rebuilderd
 * instance (in-toto-rs, ed25519), apt-transport-in-toto's GPG-signed test data
 * (securesystemslib GPG format), the DSSE project's test vectors, and in-toto's
 * DSSE demo links (Python reference, RSA-PSS).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InTotoError,
  checkSignatures,
  findSubjectsWithDigest,
  keysFromJson,
  loadPublicKeys,
  parseAttestation,
  parseDsseEnvelope,
  parseStrictJson,
  verifyAttestation,
  verifyLayout,
  type PublicKey,
} from '../../src/in-toto/index.js';
import { sharedVector } from './shared.js';

const NOW = new Date('2026-11-25T12:00:00Z');

describe("Debian's rebuilderd instance (reproduce.debian.net amd64)", () => {
  const deb = sharedVector('rebuilderd/librust-as-slice-dev_0.2.1-1+b2_amd64.deb');
  const debSha256 = createHash('sha256').update(deb).digest('hex');

  it('verifies under the instance key and lists the real .deb sha256', async () => {
    const keys = await loadPublicKeys(sharedVector('rebuilderd/reproduce-debian-net-amd64.pub'), NOW);
    expect(keys).toHaveLength(1);
    // in-toto-rs's legacy keyid for this key, which the attestation's second signature carries.
    expect(keys[0]!.keyids).toContain('2980aa6249ad89ce0ef0f0f5e6d0896214301b2818aad33443444cf460df6ed6');
    const doc = parseAttestation(sharedVector('rebuilderd/librust-as-slice-dev_0.2.1-1+b2_amd64.in-toto.link'));
    expect(doc.link?.environment).toBeNull();
    const check = verifyAttestation(doc, keys, NOW);
    expect(check.ok).toBe(true);
    expect(debSha256).toBe('32be954941cdb42bce44c19ece910af04ece3a1acc9b79fa3e8ff735ffb511cd');
    expect(findSubjectsWithDigest(doc, debSha256).map((s) => s.name)).toEqual(['librust-as-slice-dev_0.2.1-1+b2_amd64.deb']);
  });

  it('does not verify under another instance key (the worker signature alone counts for nothing)', async () => {
    const arch = await loadPublicKeys(sharedVector('rebuilderd/reproducible-archlinux.pub'), NOW);
    const doc = parseAttestation(sharedVector('rebuilderd/librust-as-slice-dev_0.2.1-1+b2_amd64.in-toto.link'));
    const check = verifyAttestation(doc, arch, NOW);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.code).toBe('SIGNATURE_NONE_TRUSTED');
  });

  it('verifies the Arch Linux attestation and refuses its INVALID sibling', async () => {
    const keys = await loadPublicKeys(sharedVector('rebuilderd/reproducible-archlinux.pub'), NOW);
    expect(verifyAttestation(parseAttestation(sharedVector('rebuilderd/filesystem-2025.10.12-1-any.in-toto.link')), keys, NOW).ok).toBe(true);
    const invalid = verifyAttestation(parseAttestation(sharedVector('rebuilderd/filesystem-2025.10.12-1-any.INVALID.in-toto.link')), keys, NOW);
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.code).toBe('SIGNATURE_INVALID');
  });
});

describe('apt-transport-in-toto test data (GPG, securesystemslib format)', () => {
  const deb = (dir: string) => createHash('sha256').update(sharedVector(`apt-transport-in-toto/${dir}/final-product_0.0.0.0-0_all.deb`)).digest('hex');

  it("verifies test.layout with alice's armored key, then both links under the layout's keys", async () => {
    const alice = await loadPublicKeys(sharedVector('apt-transport-in-toto/alice.asc'), NOW);
    const layout = verifyLayout(sharedVector('apt-transport-in-toto/test.layout'), alice, NOW);
    const step = layout.steps.get('rebuild')!;
    expect(step.threshold).toBe(2);
    const signers = new Set<string>();
    for (const file of ['rebuild.5863835e.link', 'rebuild.e946fc60.link']) {
      const doc = parseAttestation(sharedVector(`apt-transport-in-toto/${file}`));
      const check = verifyAttestation(doc, step.keys, NOW);
      expect(check.ok).toBe(true);
      if (check.ok) check.attestation.signers.forEach((k) => signers.add(k.identity));
      expect(findSubjectsWithDigest(doc, deb('good'))).toHaveLength(1);
      expect(findSubjectsWithDigest(doc, deb('bad'))).toHaveLength(0);
    }
    expect(signers.size).toBe(2);
  });

  it('refuses test.layout under a key that did not sign it, and once expired', async () => {
    const other = await loadPublicKeys(sharedVector('rebuilderd/reproduce-debian-net-amd64.pub'), NOW);
    expect(() => verifyLayout(sharedVector('apt-transport-in-toto/test.layout'), other, NOW)).toThrow(
      expect.objectContaining({ code: 'LAYOUT_SIGNATURE' }),
    );
    const alice = await loadPublicKeys(sharedVector('apt-transport-in-toto/alice.asc'), NOW);
    expect(() => verifyLayout(sharedVector('apt-transport-in-toto/test.layout'), alice, new Date('2030-01-01T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'LAYOUT_EXPIRED' }),
    );
  });

  it("refuses Debian's shipped default layout: unsigned and expired since 2021", async () => {
    const alice = await loadPublicKeys(sharedVector('apt-transport-in-toto/alice.asc'), NOW);
    expect(() => verifyLayout(sharedVector('apt-transport-in-toto/debian-default-root.layout'), alice, NOW)).toThrow(InTotoError);
  });

  it('refuses a link whose signed body was altered', async () => {
    const alice = await loadPublicKeys(sharedVector('apt-transport-in-toto/alice.asc'), NOW);
    const step = verifyLayout(sharedVector('apt-transport-in-toto/test.layout'), alice, NOW).steps.get('rebuild')!;
    const text = sharedVector('apt-transport-in-toto/rebuild.5863835e.link').toString().replace('95b066f5', '95b066f6');
    const check = verifyAttestation(parseAttestation(Buffer.from(text)), step.keys, NOW);
    expect(!check.ok && check.code).toBe('SIGNATURE_INVALID');
  });
});

describe('DSSE test vectors (secure-systems-lab/dsse)', () => {
  interface Vector {
    id: string;
    envelope: unknown;
    trustedKeys: string[];
    threshold: number;
    supportedPayloadTypes: string[];
    pae: string;
    expect: 'accept' | 'reject';
  }
  const file = parseStrictJson(sharedVector('dsse/vectors.json')) as unknown as { keys: Record<string, string>; vectors: Vector[] };

  const keyFor = (raw: string): PublicKey => keysFromJson({ keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw } })[0]!;

  it('has the nine documented cases', () => {
    expect(file.vectors.map((v) => v.id)).toHaveLength(9);
  });

  for (const vector of file.vectors) {
    it(`${vector.id}: PAE and accept/reject as expected`, () => {
      let accepted: boolean;
      try {
        const env = parseDsseEnvelope(parseStrictJson(JSON.stringify(vector.envelope)));
        // The vector's PAE is what was signed; a swapped payload type must change it.
        expect(env.pae.toString('hex') === vector.pae).toBe(vector.id !== 'payload-type-swapped');
        const supported = vector.supportedPayloadTypes.includes(env.payloadType);
        const trusted = vector.trustedKeys.map((name) => keyFor(file.keys[name]!));
        const check = checkSignatures(env.pae, env.signatures, trusted, NOW);
        accepted = supported && check.signers.length >= vector.threshold;
      } catch (e) {
        expect(e).toBeInstanceOf(InTotoError);
        accepted = false;
      }
      expect(accepted ? 'accept' : 'reject').toBe(vector.expect);
    });
  }
});

describe("in-toto's DSSE demo links (Python reference, RSA-PSS)", () => {
  it('verifies the DSSE links and the plain link under the demo keys', async () => {
    const bob = await loadPublicKeys(sharedVector('in-toto-dsse-demo/demo_files_bob.pub'), NOW);
    const carl = await loadPublicKeys(sharedVector('in-toto-dsse-demo/demo_files_carl.pub'), NOW);
    const alice = await loadPublicKeys(sharedVector('in-toto-dsse-demo/demo_files_alice.pub'), NOW);
    const cases: Array<[string, PublicKey[]]> = [
      ['demo_dsse_files_write-code.776a00e2.link', bob],
      ['demo_dsse_files_package.2f89b927.link', carl],
      ['demo_files_package.2f89b927.link', carl],
    ];
    for (const [file, keys] of cases) {
      const doc = parseAttestation(sharedVector(`in-toto-dsse-demo/${file}`));
      expect(doc.format).toBe(file.includes('dsse') ? 'dsse-link' : 'link');
      expect(verifyAttestation(doc, keys, NOW).ok).toBe(true);
      expect(verifyAttestation(doc, alice, NOW).ok).toBe(false);
    }
  });
});
