import { describe, expect, it } from 'vitest';
import { applyRules, fnmatch, InTotoError, parseRule, type ArtifactMap, type ArtifactRule } from '../../../src/in-toto/index.js';

const A = { sha256: 'a'.repeat(64) };
const B = { sha256: 'b'.repeat(64) };
const map = (o: Record<string, { sha256: string }>): ArtifactMap => new Map(Object.entries(o));

describe('artifact rules', () => {
  it('parses every rule form, keywords case-insensitive', () => {
    expect(parseRule(['MATCH', '*.deb', 'WITH', 'PRODUCTS', 'FROM', 'rebuild'])).toEqual({
      type: 'match', pattern: '*.deb', sourcePrefix: '', destination: 'products', destinationPrefix: '', step: 'rebuild',
    });
    expect(parseRule(['match', 'x', 'in', 'src/', 'with', 'materials', 'in', 'dst/', 'from', 's'])).toMatchObject({ sourcePrefix: 'src/', destinationPrefix: 'dst/' });
    expect(parseRule(['CREATE', '*.deb'])).toEqual({ type: 'create', pattern: '*.deb' });
    expect(parseRule(['require', 'foo'])).toEqual({ type: 'require', name: 'foo' });
  });

  it.each([[[]], [['EXEC', 'x']], [['CREATE']], [['MATCH', '*', 'FROM', 'x']], [['MATCH', '*', 'WITH', 'BOTH', 'FROM', 's']], [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 's', 'extra']]])('refuses %j', (words) => {
    expect(() => parseRule(words)).toThrow(expect.objectContaining({ code: 'LAYOUT_RULE' }));
  });

  it('uses fnmatch: * crosses /, [!x] negates, regex characters are literal', () => {
    expect(fnmatch('*.deb').test('pool/a/b.deb')).toBe(true);
    expect(fnmatch('[!a]*').test('abc')).toBe(false);
    expect(fnmatch('[!a]*').test('bbc')).toBe(true);
    expect(fnmatch('a.c').test('abc')).toBe(false);
    expect(fnmatch('f?o').test('foo')).toBe(true);
    expect(() => fnmatch('[z-a]')).toThrow(InTotoError);
  });

  it("enforces the Qubes layout: the rebuild step may only create .debs, and the inspection's .deb must match a rebuild product", () => {
    const step: ArtifactRule[] = [parseRule(['CREATE', '*.deb']), parseRule(['DISALLOW', '*.deb'])];
    applyRules(step, { artifacts: map({ 'x.deb': A }), materials: map({}), products: map({ 'x.deb': A }), steps: new Map() });
    expect(() => applyRules(step, { artifacts: map({ 'x.deb': A }), materials: map({ 'x.deb': B }), products: map({ 'x.deb': A }), steps: new Map() })).toThrow(
      expect.objectContaining({ code: 'RULE_FAILED' }),
    );
    const inspection: ArtifactRule[] = [parseRule(['MATCH', '*.deb', 'WITH', 'PRODUCTS', 'FROM', 'rebuild']), parseRule(['DISALLOW', '*.deb'])];
    const steps = new Map([['rebuild', { materials: map({}), products: map({ 'x.deb': A }) }]]);
    applyRules(inspection, { artifacts: map({ 'x.deb': A }), materials: map({ 'x.deb': A }), products: map({}), steps });
    expect(() => applyRules(inspection, { artifacts: map({ 'x.deb': B }), materials: map({ 'x.deb': B }), products: map({}), steps })).toThrow(
      expect.objectContaining({ code: 'RULE_FAILED' }),
    );
  });

  it('handles REQUIRE, DELETE and MODIFY', () => {
    expect(() => applyRules([parseRule(['REQUIRE', 'y'])], { artifacts: map({ x: A }), materials: map({}), products: map({}), steps: new Map() })).toThrow(InTotoError);
    const ctx = { artifacts: map({ gone: A, changed: B }), materials: map({ gone: A, changed: A }), products: map({ changed: B }), steps: new Map() };
    applyRules([parseRule(['DELETE', 'gone']), parseRule(['MODIFY', 'changed']), parseRule(['DISALLOW', '*'])], ctx);
  });
});
