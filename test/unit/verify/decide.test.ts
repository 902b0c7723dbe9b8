import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide, debFileName, oneLine, explain, type Evidence, type PackageFacts } from '../../../src/verify/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../../support/intoto-sign.js';
import { policyFrom } from '../../support/policy-fixture.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const H = 'a1'.repeat(32);
const OTHER = 'b2'.repeat(32);

const debAmd64 = makeSigner();
const debAll = makeSigner();
const notset = makeSigner('ecdsa-sha2-nistp256');
const third = makeSigner('rsassa-pss-sha256');

const KEYS = {
  'keys/debian-amd64.pem': debAmd64.rebuilderdPem,
  'keys/debian-all.pem': debAll.rebuilderdPem,
  'keys/notset.pub': notset.sslibJson,
  'keys/third.pem': third.publicPem,
};

const policyYaml = (extra = '', top = 'threshold: 2') => `version: 1
${top}
rebuilders:
  - { name: debian-amd64, operator: debian, type: rebuilderd, url: "https://r.example/amd64/", keys: [keys/debian-amd64.pem] }
  - { name: debian-all, operator: debian, type: rebuilderd, url: "https://r.example/all/", keys: [keys/debian-all.pem] }
  - { name: notset, type: sources, url: "https://notset.example/debian", keys: [keys/notset.pub] }
  - { name: third, type: sources, url: "https://third.example/", keys: [keys/third.pem] }
${extra}`;

const pkg = (over: Partial<PackageFacts> = {}): PackageFacts => ({ name: 'foo', version: '1.0-1', architecture: 'amd64', sha256: H, origin: 'deb.example', ...over });
const found = (...docs: Buffer[]): Evidence => ({ status: 'found', documents: docs.map((bytes, i) => ({ url: `https://x/${i}`, bytes })) });
const missing = (reason = 'HTTP 404'): Evidence => ({ status: 'missing', code: 'NET_HTTP_STATUS', reason, transient: false });
const link = (p: PackageFacts, sha = p.sha256, name = debFileName(p)) => linkBody({ products: { [name]: sha } });

describe('decide', () => {
  it('accepts when two independent operators attest the exact sha256', async () => {
    const policy = await policyFrom(policyYaml(), KEYS, NOW);
    const p = pkg();
    const v = decide(p, new Map([['debian-amd64', found(rebuilderdAttestation(debFileName(p), H, debAmd64))], ['notset', found(signMetablock(link(p), [notset]))]]), policy, NOW);
    expect(v.code).toBe('ACCEPTED');
    expect(v.agreeingOperators).toEqual(['debian', 'notset']);
    expect(v.rebuilders.map((o) => o.status)).toEqual(['agrees', 'missing', 'agrees', 'missing']);
    expect(oneLine(v)).toMatch(/^reprogate: accepted foo 1\.0-1 amd64 \(sha256 a1a1…a1\): 2 of 2 independent rebuilders agree \[debian-amd64: agrees; debian-all: missing/);
  });

  it('counts two rebuilders of one operator once', async () => {
    const policy = await policyFrom(policyYaml(), KEYS, NOW);
    const p = pkg();
    const v = decide(p, new Map([['debian-amd64', found(rebuilderdAttestation(debFileName(p), H, debAmd64))], ['debian-all', found(rebuilderdAttestation(debFileName(p), H, debAll))]]), policy, NOW);
    expect(v.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(v.agreeingOperators).toEqual(['debian']);
  });

  it('counts a duplicate signature and a duplicate document once', async () => {
    const policy = await policyFrom(policyYaml(), KEYS, NOW);
    const p = pkg();
    const doc = signMetablock(link(p), [notset, notset]);
    const v = decide(p, new Map([['notset', found(doc, doc, signMetablock(link(p), [notset]))]]), policy, NOW);
    expect(v.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(v.rebuilders.find((o) => o.rebuilder === 'notset')).toMatchObject({ status: 'agrees', documents: 1 });
  });

  it('refuses a policy with one key under two operators, accepts it under two rebuilders of one operator', async () => {
    await expect(policyFrom(policyYaml().replace('keys: [keys/third.pem]', 'keys: [keys/notset.pub]'), KEYS, NOW)).rejects.toMatchObject({ code: 'POLICY_KEY_OPERATORS' });
    await expect(policyFrom(policyYaml().replace('keys: [keys/debian-all.pem]', 'keys: [keys/debian-amd64.pem]'), KEYS, NOW)).resolves.toBeDefined();
  });

  it('ignores an unknown worker signature beside a valid one, and calls a document by an untrusted key invalid', async () => {
    const policy = await policyFrom(policyYaml('', 'threshold: 1'), KEYS, NOW);
    const p = pkg();
    const v = decide(p, new Map([['debian-amd64', found(rebuilderdAttestation(debFileName(p), H, debAmd64))], ['notset', found(signMetablock(link(p), [makeSigner()]))]]), policy, NOW);
    expect(v.code).toBe('ACCEPTED');
    expect(v.rebuilders.find((o) => o.rebuilder === 'notset')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
  });

  it('refuses a conflict even when the threshold is met, unless on-conflict is ignore', async () => {
    const p = pkg();
    const evidence = new Map([
      ['debian-amd64', found(rebuilderdAttestation(debFileName(p), H, debAmd64))],
      ['notset', found(signMetablock(link(p), [notset]))],
      ['third', found(signMetablock(link(p, OTHER), [third]))],
    ]);
    const refuse = decide(p, evidence, await policyFrom(policyYaml(), KEYS, NOW), NOW);
    expect(refuse.code).toBe('REFUSED_CONFLICT');
    expect(refuse.rebuilders.find((o) => o.rebuilder === 'third')).toMatchObject({ status: 'conflicts', conflictingSha256: OTHER });
    expect(oneLine(refuse)).toContain('third: conflicts (signed sha256 b2b2…b2 for foo_1.0-1_amd64.deb)');
    const ignore = decide(p, evidence, await policyFrom(policyYaml('', 'threshold: 2\non-conflict: ignore'), KEYS, NOW), NOW);
    expect(ignore.code).toBe('ACCEPTED');
  });

  const exempt = (until: string) => `rules:\n  - match: { package: "foo*" }\n    exempt: { reason: "not reproducible yet", until: ${until} }\n`;

  it('lets an active exemption accept a short count, never a conflict or an invalid document', async () => {
    const p = pkg();
    const policy = await policyFrom(policyYaml(exempt('2026-11-25')), KEYS, NOW);
    const short = decide(p, new Map([['notset', missing()]]), policy, NOW);
    expect(short.code).toBe('ACCEPTED_EXEMPT');
    expect(oneLine(short)).toContain('by exemption until 2026-11-25 (not reproducible yet)');
    expect(decide(p, new Map([['third', found(signMetablock(link(p, OTHER), [third]))]]), policy, NOW).code).toBe('REFUSED_CONFLICT');
    expect(decide(p, new Map([['notset', found(signMetablock(link(p), [third]))]]), policy, NOW).code).toBe('REFUSED_INVALID');
  });

  it('refuses once the exemption has expired (inclusive UTC day)', async () => {
    const policy = await policyFrom(policyYaml(exempt('2026-11-24')), KEYS, NOW);
    const v = decide(pkg(), new Map(), policy, NOW);
    expect(v.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(v.exemption).toMatchObject({ active: false });
    expect(oneLine(v)).toContain('exemption expired on 2026-11-24');
  });

  it('binds by sha256 for epoch and binNMU versions, and names products without the epoch', async () => {
    const policy = await policyFrom(policyYaml('', 'threshold: 1'), KEYS, NOW);
    for (const p of [pkg({ version: '1:2.0-1' }), pkg({ name: 'librust-as-slice-dev', version: '0.2.1-1+b2' })]) {
      expect(debFileName(p)).not.toContain(':');
      const agree = decide(p, new Map([['notset', found(signMetablock(link(p), [notset]))]]), policy, NOW);
      expect(agree.code).toBe('ACCEPTED');
      // A product named with the epoch-less file name but another digest is a conflict.
      const conflict = decide(p, new Map([['notset', found(signMetablock(link(p, OTHER), [notset]))]]), policy, NOW);
      expect(conflict.code).toBe('REFUSED_CONFLICT');
    }
  });

  it('does not confuse architectures or versions: another file name with another digest is no vote and no conflict', async () => {
    const policy = await policyFrom(policyYaml('', 'threshold: 1'), KEYS, NOW);
    const p = pkg({ architecture: 'amd64' });
    const otherArch = signMetablock(link(p, OTHER, 'foo_1.0-1_arm64.deb'), [notset]);
    const olderVersion = signMetablock(link(p, OTHER, 'foo_0.9-1_amd64.deb'), [notset]);
    const v = decide(p, new Map([['notset', found(otherArch, olderVersion)]]), policy, NOW);
    expect(v.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(v.rebuilders.find((o) => o.rebuilder === 'notset')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION' });
  });

  it('accepts a valid signature over our sha256 even if the product carries another name, and counts nothing signed for another sha256', async () => {
    const policy = await policyFrom(policyYaml('', 'threshold: 1'), KEYS, NOW);
    const p = pkg();
    expect(decide(p, new Map([['notset', found(signMetablock(link(p, H, 'renamed.deb'), [notset]))]]), policy, NOW).code).toBe('ACCEPTED');
  });

  it('applies the first matching rule: origin rules with rebuilder subsets', async () => {
    const rules = 'rules:\n  - match: { origin: "qubes.example" }\n    threshold: 1\n    rebuilders: [notset]\n';
    const policy = await policyFrom(policyYaml(rules), KEYS, NOW);
    const p = pkg({ origin: 'qubes.example' });
    const v = decide(p, new Map([['notset', found(signMetablock(link(p), [notset]))]]), policy, NOW);
    expect(v.code).toBe('ACCEPTED');
    expect(v.rebuilders.map((o) => o.rebuilder)).toEqual(['notset']);
    expect(decide(pkg({ origin: undefined }), new Map([['notset', found(signMetablock(link(p), [notset]))]]), policy, NOW).code).toBe('REFUSED_BELOW_THRESHOLD');
  });

  it('marks verdicts of an audit policy as not enforced', async () => {
    const policy = await policyFrom(policyYaml('', 'mode: audit\nthreshold: 2'), KEYS, NOW);
    const v = decide(pkg(), new Map(), policy, NOW);
    expect(v).toMatchObject({ accepted: false, enforced: false });
    expect(oneLine(v)).toMatch(/^reprogate: audit: would refuse/);
    expect(explain(v)).toContain('audit mode');
  });

  it('reports malformed documents as invalid with their parse code', async () => {
    const policy = await policyFrom(policyYaml('', 'threshold: 1'), KEYS, NOW);
    const v = decide(pkg(), new Map([['notset', found(Buffer.from('{"signed":1,"signed":2}'))]]), policy, NOW);
    expect(v.rebuilders.find((o) => o.rebuilder === 'notset')).toMatchObject({ status: 'invalid', code: 'JSON_DUPLICATE_KEY' });
  });

  it('counts a primary key and its signing subkey once (real gpg certificate and in-toto-run link)', async () => {
    const fixture = (rel: string) => readFileSync(new URL(`../../vectors/in-toto-run/${rel}`, import.meta.url));
    const policy = await policyFrom(
      'version: 1\nthreshold: 2\nrebuilders:\n' +
        '  - { name: a, operator: gpg-owner, type: sources, url: "https://a.example/", keys: [keys/cert.asc] }\n' +
        '  - { name: b, operator: gpg-owner, type: sources, url: "https://b.example/", keys: [keys/cert.asc] }\n' +
        '  - { name: c, type: sources, url: "https://c.example/", keys: [keys/other.pem] }\n',
      { 'keys/cert.asc': fixture('keys/gpg-rsa-subkey.asc'), 'keys/other.pem': third.publicPem },
      NOW,
    );
    const link = fixture('links/gpg-rsa-subkey.link');
    const sha = JSON.parse(link.toString()).signed.products['foo_1.0-1_amd64.deb'].sha256 as string;
    const p = pkg({ sha256: sha });
    const v = decide(p, new Map([['a', found(link)], ['b', found(link)]]), policy, NOW);
    expect(v.rebuilders.filter((o) => o.status === 'agrees')).toHaveLength(2);
    expect(v.agreeingOperators).toEqual(['gpg-owner']);
    expect(v.code).toBe('REFUSED_BELOW_THRESHOLD');
    // The same certificate under a second operator is refused when the policy loads.
    await expect(
      policyFrom(
        'version: 1\nthreshold: 1\nrebuilders:\n  - { name: a, type: sources, url: "https://a.example/", keys: [keys/cert.asc] }\n  - { name: b, type: sources, url: "https://b.example/", keys: [keys/cert.asc] }\n',
        { 'keys/cert.asc': fixture('keys/gpg-rsa-subkey.asc') },
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'POLICY_KEY_OPERATORS' });
  });
});
