/**
 * in-toto v0.9 artifact rules (spec §4.3.3), enough to evaluate layouts such as
 * Qubes' 2021 `root.layout`: MATCH, CREATE, DELETE, MODIFY, ALLOW, DISALLOW and
 * REQUIRE, consumed firewall-style from a queue with an implicit ALLOW at the end.
 * Patterns are Python fnmatch (`*` also matches `/`, `[!…]` negates), the dialect
 * the reference uses; a different glob dialect is a known source of bypasses.
 */
import { InTotoError } from '../errors.js';
import type { ArtifactMap, DigestSet } from './fields.js';

export type ArtifactRule =
  | { readonly type: 'match'; readonly pattern: string; readonly sourcePrefix: string; readonly destination: 'materials' | 'products'; readonly destinationPrefix: string; readonly step: string }
  | { readonly type: 'create' | 'delete' | 'modify' | 'allow' | 'disallow'; readonly pattern: string }
  | { readonly type: 'require'; readonly name: string };

export function parseRule(words: readonly string[]): ArtifactRule {
  const bad = (why: string): never => {
    throw new InTotoError('LAYOUT_RULE', `artifact rule ${JSON.stringify(words)}: ${why}`);
  };
  const keyword = (words[0] ?? '').toLowerCase();
  switch (keyword) {
    case 'create':
    case 'delete':
    case 'modify':
    case 'allow':
    case 'disallow':
      if (words.length !== 2) bad('expects exactly one pattern');
      return { type: keyword, pattern: words[1]! };
    case 'require':
      if (words.length !== 2) bad('expects exactly one artifact name');
      return { type: 'require', name: words[1]! };
    case 'match': {
      // MATCH <pattern> [IN <prefix>] WITH (MATERIALS|PRODUCTS) [IN <prefix>] FROM <step>
      const rest = words.slice(1);
      const pattern = rest.shift() ?? bad('missing pattern');
      let sourcePrefix = '';
      if (rest[0]?.toLowerCase() === 'in') {
        rest.shift();
        sourcePrefix = rest.shift() ?? bad('missing source prefix');
      }
      if (rest.shift()?.toLowerCase() !== 'with') bad("expected 'WITH'");
      const dest = rest.shift()?.toLowerCase();
      if (dest !== 'materials' && dest !== 'products') return bad("expected 'MATERIALS' or 'PRODUCTS'");
      let destinationPrefix = '';
      if (rest[0]?.toLowerCase() === 'in') {
        rest.shift();
        destinationPrefix = rest.shift() ?? bad('missing destination prefix');
      }
      if (rest.shift()?.toLowerCase() !== 'from') bad("expected 'FROM'");
      const step = rest.shift() ?? bad('missing step name');
      if (rest.length > 0) bad('unexpected words at the end');
      return { type: 'match', pattern, sourcePrefix, destination: dest, destinationPrefix, step };
    }
    default:
      return bad('unknown rule keyword');
  }
}

/** Python fnmatch semantics compiled to a RegExp. */
export function fnmatch(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`, 'u');
  } catch {
    throw new InTotoError('LAYOUT_RULE', `artifact pattern ${JSON.stringify(pattern)} is not a valid glob`);
  }
}

export interface RuleContext {
  /** The artifacts being checked (the link's materials or products). */
  readonly artifacts: ArtifactMap;
  readonly materials: ArtifactMap;
  readonly products: ArtifactMap;
  /** Other steps' links, by step name, for MATCH. */
  readonly steps: ReadonlyMap<string, { readonly materials: ArtifactMap; readonly products: ArtifactMap }>;
}

/** Apply rules in order; throws RULE_FAILED on the first DISALLOW hit or missing REQUIRE. */
export function applyRules(rules: readonly ArtifactRule[], ctx: RuleContext): void {
  const queue = new Set(ctx.artifacts.keys());
  for (const rule of rules) {
    if (rule.type === 'require') {
      if (!queue.has(rule.name)) throw new InTotoError('RULE_FAILED', `required artifact ${JSON.stringify(rule.name)} is missing`);
      continue;
    }
    const prefix = rule.type === 'match' ? rule.sourcePrefix : '';
    const re = fnmatch(rule.pattern);
    const hits = [...queue].filter((name) => name.startsWith(prefix) && re.test(name.slice(prefix.length)));
    for (const name of hits) {
      if (consumes(rule, name, ctx)) queue.delete(name);
    }
    if (rule.type === 'disallow' && hits.length > 0) {
      throw new InTotoError('RULE_FAILED', `artifact ${JSON.stringify(hits[0])} is disallowed by ${rule.pattern}`);
    }
  }
}

function consumes(rule: Exclude<ArtifactRule, { type: 'require' }>, name: string, ctx: RuleContext): boolean {
  switch (rule.type) {
    case 'allow':
      return true;
    case 'disallow':
      return false;
    case 'create':
      return ctx.products.has(name) && !ctx.materials.has(name);
    case 'delete':
      return ctx.materials.has(name) && !ctx.products.has(name);
    case 'modify': {
      const before = ctx.materials.get(name);
      const after = ctx.products.get(name);
      return before !== undefined && after !== undefined && !sameDigests(before, after);
    }
    case 'match': {
      const other = ctx.steps.get(rule.step);
      const target = other?.[rule.destination].get(rule.destinationPrefix + name.slice(rule.sourcePrefix.length));
      const mine = ctx.artifacts.get(name);
      return target !== undefined && mine !== undefined && sameDigests(mine, target);
    }
  }
}

/** Equal hash dicts: the same algorithms with the same values (the reference's rule). */
export function sameDigests(a: DigestSet, b: DigestSet): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
