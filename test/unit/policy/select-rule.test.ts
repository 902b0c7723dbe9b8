import { describe, expect, it } from 'vitest';

import type { PublicKey } from '../../../src/in-toto/index.js';
import { bindPolicy, parsePolicy, selectRule, type Policy } from '../../../src/policy/index.js';
import { EXAMPLE_POLICY, POLICY_FILE, fakeKey } from './helpers.js';

function bind(text: string): Policy {
  const doc = parsePolicy(text, POLICY_FILE);
  const files = [...new Set(doc.rebuilders.flatMap((r) => r.keys.map((k) => k.file)))];
  return bindPolicy(doc, new Map<string, PublicKey[]>(files.map((file) => [file, [fakeKey(file)]])));
}

const example = bind(EXAMPLE_POLICY);

const GLOBS = `version: 1
threshold: 1
rebuilders:
  - { name: a, type: rebuilderd, url: "https://a.example/", keys: [a.pem] }
  - { name: b, operator: a, type: rebuilderd, url: "https://b.example/", keys: [b.pem] }
  - { name: c, type: sources, url: "https://c.example/", keys: [c.pem] }
rules:
  - match: { package: "lib?.so" }
    threshold: 2
  - match: { package: "firmware-*", origin: "deb.example" }
    rebuilders: [c]
  - match: { package: "c++-*" }
    rebuilders: [a, b]
`;
const globs = bind(GLOBS);

describe('selectRule', () => {
  it('applies the first matching rule: an exemption for kernel images', () => {
    const applied = selectRule(example, { name: 'linux-image-6.1.0-18-amd64', origin: 'qubes-repo.example' });
    expect(applied.rule?.index).toBe(0);
    expect(applied.threshold).toBe(2);
    expect(applied.rebuilders.map((r) => r.name)).toEqual(['debian-amd64', 'notset']);
    expect(applied.exemption).toEqual({ reason: 'kernel images are not reproducible yet', until: '2027-06-30' });
    expect(applied.description).toBe('rule 1 (package linux-image-*, /etc/reprogate/policy.yaml:16)');
  });

  it('applies an origin rule with its threshold and only its rebuilders, with their operators and keys', () => {
    const applied = selectRule(example, { name: 'qubes-core-agent', origin: 'qubes-repo.example' });
    expect(applied.rule?.index).toBe(1);
    expect(applied.threshold).toBe(1);
    expect(applied.exemption).toBeUndefined();
    expect(applied.rebuilders).toHaveLength(1);
    expect(applied.rebuilders[0]).toMatchObject({ name: 'notset', operator: 'notset', type: 'sources' });
    expect(applied.rebuilders[0]!.keys.map((k) => k.fingerprint)).toEqual(['sha256:/etc/reprogate/keys/notset.asc']);
    expect(applied.description).toBe('rule 2 (origin qubes-repo.example, /etc/reprogate/policy.yaml:18)');
  });

  it("falls back to the policy's defaults when no rule matches", () => {
    const applied = selectRule(example, { name: 'bash', origin: 'deb.example' });
    expect(applied).toMatchObject({ rule: undefined, threshold: 2, exemption: undefined, description: "the policy's default" });
    expect(applied.rebuilders).toBe(example.rebuilders);
  });

  it('never matches an origin rule when the origin is unknown (a local .deb)', () => {
    expect(selectRule(example, { name: 'qubes-core-agent', origin: undefined }).rule).toBeUndefined();
  });

  it.each([
    ['qubes-repo.example', 1],
    ['QUBES-REPO.example', 1],
    ['qubes-repo.example.', 1],
    ['qubes-repo.example:8443', 1],
    ['other.qubes-repo.example', undefined],
    ['qubes-repo.example.evil', undefined],
    ['qubes-repo', undefined],
    ['https://qubes-repo.example/', undefined],
    ['user@qubes-repo.example', undefined],
    ['[qubes-repo.example', undefined],
    ['', undefined],
  ])('origin %s selects rule index %s', (origin, index) => {
    expect(selectRule(example, { name: 'pkg', origin }).rule?.index).toBe(index);
  });

  it.each([
    ['libx.so', 0],
    ['liby.so', 0],
    ['libxy.so', undefined],
    ['lib.so', undefined],
    ['libxXso', undefined],
    ['firmware-misc', undefined],
    ['c++-compiler', 2],
    ['cc-compiler', undefined],
    ['c++', undefined],
  ])('package %s selects rule index %s (globs: * and ? only, everything else literal)', (name, index) => {
    expect(selectRule(globs, { name, origin: undefined }).rule?.index).toBe(index);
  });

  it('needs both package and origin when a rule has both', () => {
    expect(selectRule(globs, { name: 'firmware-misc', origin: 'deb.example' }).rule?.index).toBe(1);
    expect(selectRule(globs, { name: 'firmware-misc', origin: 'other.example' }).rule).toBeUndefined();
    expect(selectRule(globs, { name: 'bash', origin: 'deb.example' }).rule).toBeUndefined();
    expect(selectRule(globs, { name: 'firmware-misc', origin: undefined }).rule).toBeUndefined();
  });

  it('keeps policy order among the rebuilders a rule names', () => {
    const applied = selectRule(globs, { name: 'c++-x', origin: undefined });
    expect(applied.rebuilders.map((r) => [r.name, r.operator])).toEqual([
      ['a', 'a'],
      ['b', 'a'],
    ]);
  });

  it('matches a glob across the whole name, including dots', () => {
    const policy = bind(GLOBS.replace('"lib?.so"', '"*"'));
    expect(selectRule(policy, { name: 'anything.at-all+1', origin: undefined }).rule?.index).toBe(0);
  });
});
