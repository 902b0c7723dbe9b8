import { describe, expect, it } from 'vitest';

import type { LayoutStep, PublicKey, VerifiedLayout } from '../../../src/in-toto/index.js';
import { bindPolicy, parsePolicy, type PolicyDocument } from '../../../src/policy/index.js';
import { fakeKey, policyError } from './helpers.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function rebuilder(name: string, keys: string, operator?: string): string[] {
  return [
    `  - name: ${name}`,
    ...(operator === undefined ? [] : [`    operator: ${operator}`]),
    '    type: rebuilderd',
    `    url: https://${name}.example/`,
    `    keys: ${keys}`,
  ];
}

function parse(...rows: string[]): PolicyDocument {
  return parsePolicy(lines(...rows), '/etc/reprogate/policy.yaml');
}

const keyFiles = (entries: Record<string, PublicKey[]>): Map<string, PublicKey[]> =>
  new Map(Object.entries(entries).map(([file, keys]) => [`/etc/reprogate/${file}`, keys]));

function layout(threshold: number, keys: PublicKey[], steps = ['rebuild']): VerifiedLayout {
  const step = (name: string): LayoutStep => ({ name, threshold, keys, expectedMaterials: [], expectedProducts: [] });
  return {
    expires: new Date('2030-01-01T00:00:00Z'),
    steps: new Map(steps.map((name) => [name, step(name)])),
    inspections: [],
    signers: [fakeKey('owner')],
  };
}

describe('bindPolicy', () => {
  it('binds each rebuilder to the keys of its files, each key once', () => {
    const doc = parse('version: 1', 'threshold: 2', 'rebuilders:', ...rebuilder('a', '[a.pem, a.json]'), ...rebuilder('b', '[b.asc]'));
    const primary = fakeKey('b-primary');
    const subkey = fakeKey('b-sub', 'b-primary');
    const policy = bindPolicy(doc, keyFiles({ 'a.pem': [fakeKey('a')], 'a.json': [fakeKey('a')], 'b.asc': [primary, subkey] }));
    expect(policy).toMatchObject({ threshold: 2, thresholdSource: 'policy', mode: 'enforce', onConflict: 'refuse', trustRoot: undefined });
    expect(policy.rebuilders.map((r) => [r.name, r.operator, r.type, r.keys.map((k) => k.fingerprint)])).toEqual([
      ['a', 'a', 'rebuilderd', ['sha256:a']],
      ['b', 'b', 'rebuilderd', ['sha256:b-primary', 'sha256:b-sub']],
    ]);
    expect(policy.rebuilders[0]).toMatchObject({ url: 'https://a.example/' });
    expect(policy.rules).toBe(doc.rules);
  });

  it('refuses a key file that was not loaded, naming the field', () => {
    const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.pem, a2.pem]'));
    const error = policyError(() => bindPolicy(doc, keyFiles({ 'a.pem': [fakeKey('a')] })), 'POLICY_KEY_FILE');
    expect([error.path, error.line]).toEqual(['rebuilders[0].keys[1]', 7]);
    expect(error.message).toContain('/etc/reprogate/a2.pem');
  });

  it('refuses a key file with no key in it', () => {
    const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.pem]'));
    expect(policyError(() => bindPolicy(doc, keyFiles({ 'a.pem': [] })), 'POLICY_KEY_FILE').path).toBe('rebuilders[0].keys[0]');
  });

  it('refuses a document without a threshold or a trust root to supply one', () => {
    const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.pem]'));
    policyError(() => bindPolicy({ ...doc, threshold: undefined }, keyFiles({ 'a.pem': [fakeKey('a')] })), 'POLICY_MISSING');
  });

  describe('one key, one operator', () => {
    it('refuses the same key under two operators, naming both rebuilders and the key', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.pem]'), ...rebuilder('b', '[b.pem]'));
      const error = policyError(() => bindPolicy(doc, keyFiles({ 'a.pem': [fakeKey('same')], 'b.pem': [fakeKey('same')] })), 'POLICY_KEY_OPERATORS');
      expect([error.path, error.line]).toEqual(['rebuilders[1].keys[0]', 11]);
      expect(error.message).toContain('rebuilder "a" (operator "a")');
      expect(error.message).toContain('rebuilder "b" (operator "b")');
      expect(error.message).toContain('ed25519 same (sha256:same)');
    });

    it('allows the same key under two rebuilders of one operator (one operator, two URLs)', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[k.pem]', 'debian'), ...rebuilder('b', '[k.pem]', 'debian'));
      const policy = bindPolicy(doc, keyFiles({ 'k.pem': [fakeKey('k')] }));
      expect(policy.rebuilders.map((r) => r.keys.length)).toEqual([1, 1]);
    });

    it('refuses a subkey under one operator whose primary is under another (same identity)', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.asc]'), ...rebuilder('b', '[b.asc]'));
      const keys = keyFiles({ 'a.asc': [fakeKey('p')], 'b.asc': [fakeKey('s', 'p')] });
      expect(policyError(() => bindPolicy(doc, keys), 'POLICY_KEY_OPERATORS').message).toContain('sha256:p');
    });

    it('refuses one key material inside two certificates with different primaries (same fingerprint)', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.asc]'), ...rebuilder('b', '[b.asc]'));
      const keys = keyFiles({ 'a.asc': [fakeKey('p1'), fakeKey('shared', 'p1')], 'b.asc': [fakeKey('p2'), fakeKey('shared', 'p2')] });
      expect(policyError(() => bindPolicy(doc, keys), 'POLICY_KEY_OPERATORS').message).toContain('sha256:shared');
    });

    it('refuses a primary key whose material is another operator\'s subkey', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.asc]'), ...rebuilder('b', '[b.pem]'));
      const keys = keyFiles({ 'a.asc': [fakeKey('p1'), fakeKey('sub', 'p1')], 'b.pem': [fakeKey('sub')] });
      expect(policyError(() => bindPolicy(doc, keys), 'POLICY_KEY_OPERATORS').path).toBe('rebuilders[1].keys[0]');
    });
  });

  describe('with a trust root', () => {
    const head = ['version: 1', 'trust-root:', '  layout: root.layout', '  keys: [owner.pub]', 'rebuilders:'];
    const twoRebuilders = [...head, ...rebuilder('a', '[a.pem]'), ...rebuilder('b', '[b.asc]')];
    const keys = keyFiles({ 'owner.pub': [fakeKey('owner')], 'a.pem': [fakeKey('a')], 'b.asc': [fakeKey('b'), fakeKey('b-sub', 'b')] });

    it("takes the threshold from the layout's rebuild step", () => {
      const policy = bindPolicy(parse(...twoRebuilders), keys, layout(2, [fakeKey('a'), fakeKey('b'), fakeKey('b-sub', 'b')]));
      expect(policy).toMatchObject({ threshold: 2, thresholdSource: 'trust-root' });
      expect(policy.trustRoot).toEqual({
        layout: '/etc/reprogate/root.layout',
        expires: new Date('2030-01-01T00:00:00Z'),
        signers: [fakeKey('owner')],
      });
    });

    it('accepts a subkey when the step authorises its primary (identity)', () => {
      expect(bindPolicy(parse(...twoRebuilders), keys, layout(1, [fakeKey('a'), fakeKey('b')])).threshold).toBe(1);
    });

    it('accepts an equal threshold written in the policy too', () => {
      const doc = parse(...head.slice(0, 1), 'threshold: 2', ...twoRebuilders.slice(1));
      expect(bindPolicy(doc, keys, layout(2, [fakeKey('a'), fakeKey('b')])).threshold).toBe(2);
    });

    it('refuses a policy threshold that differs from the layout (two sources of truth)', () => {
      const doc = parse(...head.slice(0, 1), 'threshold: 1', ...twoRebuilders.slice(1));
      const error = policyError(() => bindPolicy(doc, keys, layout(2, [fakeKey('a'), fakeKey('b')])), 'POLICY_TRUST_ROOT');
      expect([error.path, error.line]).toEqual(['threshold', 2]);
    });

    it('refuses a rebuilder key the rebuild step does not authorise', () => {
      const error = policyError(() => bindPolicy(parse(...twoRebuilders), keys, layout(1, [fakeKey('a')])), 'POLICY_TRUST_ROOT');
      expect([error.path, error.line]).toEqual(['rebuilders[1].keys[0]', 13]);
      expect(error.message).toContain('rebuilder "b"');
    });

    it('refuses a layout without a rebuild step', () => {
      const error = policyError(() => bindPolicy(parse(...twoRebuilders), keys, layout(1, [fakeKey('a')], ['build'])), 'POLICY_TRUST_ROOT');
      expect([error.path, error.line]).toEqual(['trust-root.layout', 3]);
      expect(error.message).toContain('(it has: build)');
      expect(policyError(() => bindPolicy(parse(...twoRebuilders), keys, layout(1, [], [])), 'POLICY_TRUST_ROOT').message).toContain('(it has: none)');
    });

    it('refuses a layout threshold no set of operators can meet', () => {
      const error = policyError(() => bindPolicy(parse(...twoRebuilders), keys, layout(3, [fakeKey('a'), fakeKey('b')])), 'POLICY_THRESHOLD');
      expect([error.path, error.line]).toEqual(['trust-root.layout', 3]);
    });

    it('refuses to bind a trust-root policy without a verified layout', () => {
      expect(policyError(() => bindPolicy(parse(...twoRebuilders), keys), 'POLICY_TRUST_ROOT').path).toBe('trust-root.layout');
    });

    it('refuses a layout for a policy that names no trust root', () => {
      const doc = parse('version: 1', 'threshold: 1', 'rebuilders:', ...rebuilder('a', '[a.pem]'));
      policyError(() => bindPolicy(doc, keys, layout(1, [fakeKey('a')])), 'POLICY_TRUST_ROOT');
    });

    it('still refuses one key under two operators', () => {
      const doc = parse(...head, ...rebuilder('a', '[a.pem]'), ...rebuilder('b', '[a.pem]'));
      policyError(() => bindPolicy(doc, keys, layout(1, [fakeKey('a')])), 'POLICY_KEY_OPERATORS');
    });
  });
});
