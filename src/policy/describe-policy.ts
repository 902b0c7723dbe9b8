/**
 * The human summary `reprogate policy check` prints: what the policy will do,
 * in the words an admin reviews it in (operators, key fingerprints, rules in
 * the order they are tried, and when each exemption runs out). `now` comes
 * from the caller so the summary is reproducible.
 */
import type { PublicKey } from '../in-toto/index.js';

import type { Exemption } from './document.js';
import { daysLeft, exemptionEnd } from './exemption.js';
import type { Policy, Rebuilder, Rule } from './policy.js';

const MODE_MEANING = {
  enforce: 'packages short of the threshold are refused',
  audit: 'decisions are logged and warned about; nothing is refused',
} as const;

const CONFLICT_MEANING = {
  refuse: 'a trusted rebuilder attesting another sha256 for the same file refuses the package',
  ignore: 'a trusted rebuilder attesting another sha256 for the same file is reported but does not refuse',
} as const;

export function describePolicy(policy: Policy, now: Date): string {
  const warnings = policy.warnings.length === 0 ? [] : ['', 'Warnings:', ...policy.warnings.map((w) => `  ${w}`)];
  return [...describeSettings(policy, now), '', ...describeRebuilders(policy.rebuilders), '', ...describeRules(policy, now), ...warnings].join('\n') + '\n';
}

function describeSettings(policy: Policy, now: Date): string[] {
  const source = policy.thresholdSource === 'trust-root' ? ' (from the trust-root layout)' : '';
  const lines = [
    `Policy ${policy.file}`,
    `  mode         ${policy.mode}: ${MODE_MEANING[policy.mode]}`,
    `  threshold    ${operators(policy.threshold)} must attest the exact sha256${source}`,
    `  on-conflict  ${policy.onConflict}: ${CONFLICT_MEANING[policy.onConflict]}`,
  ];
  const root = policy.trustRoot;
  if (root !== undefined) {
    const expiry = root.expires.getTime() <= now.getTime() ? 'EXPIRED on' : 'expires';
    lines.push(`  trust root   ${root.layout} (${expiry} ${root.expires.toISOString()}), signed by:`);
    for (const key of root.signers) lines.push(`                 ${describeKey(key)}`);
  }
  return lines;
}

function describeRebuilders(rebuilders: readonly Rebuilder[]): string[] {
  const byOperator = new Map<string, Rebuilder[]>();
  for (const rebuilder of rebuilders) byOperator.set(rebuilder.operator, [...(byOperator.get(rebuilder.operator) ?? []), rebuilder]);
  const lines = [`Rebuilders: ${count(rebuilders.length, 'rebuilder')} run by ${operators(byOperator.size)}`];
  for (const [operator, members] of byOperator) {
    lines.push(`  operator ${operator}`);
    for (const rebuilder of members) {
      const where = rebuilder.type === 'directory' ? rebuilder.directory : rebuilder.url;
      lines.push(`    ${rebuilder.name}  ${rebuilder.type}  ${where}`);
      for (const key of rebuilder.keys) lines.push(`      ${describeKey(key)}`);
    }
  }
  return lines;
}

function describeRules(policy: Policy, now: Date): string[] {
  const fallback = `threshold ${policy.threshold} of all rebuilders`;
  if (policy.rules.length === 0) return [`Rules: none; every package needs ${fallback}`];
  const lines = ['Rules, first match wins:'];
  for (const rule of policy.rules) {
    lines.push(`  ${rule.index + 1}. ${describeMatch(rule)}  (${policy.file}:${rule.line})`);
    if (rule.threshold !== undefined || rule.rebuilders !== undefined || rule.exempt === undefined) {
      const counted = rule.rebuilders === undefined ? 'all rebuilders' : rule.rebuilders.join(', ');
      lines.push(`       threshold ${rule.threshold ?? policy.threshold} of ${counted}`);
    }
    if (rule.exempt !== undefined) lines.push(`       exempt ${describeExemption(rule.exempt, now)}: ${rule.exempt.reason}`);
  }
  lines.push(`  otherwise: ${fallback}`);
  return lines;
}

function describeMatch(rule: Rule): string {
  const { package: glob, origin } = rule.match;
  return [glob === undefined ? undefined : `package ${glob}`, origin === undefined ? undefined : `origin ${origin}`]
    .filter((part) => part !== undefined)
    .join(' from ');
}

function describeExemption(exempt: Exemption, now: Date): string {
  const days = daysLeft(exempt, now);
  if (days < 0) return `until ${exempt.until}: EXPIRED on ${exemptionEnd(exempt).toISOString().slice(0, 10)} 00:00 UTC`;
  if (days === 0) return `until ${exempt.until} (expires at the end of today, UTC)`;
  return `until ${exempt.until} (expires in ${count(days, 'day')})`;
}

function describeKey(key: PublicKey): string {
  const primary = key.fingerprint === key.identity ? '' : ` (subkey of ${key.identity})`;
  return `${key.description}  ${key.fingerprint}${primary}`;
}

function operators(n: number): string {
  return n === 1 ? '1 independent operator' : `${n} independent operators`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
