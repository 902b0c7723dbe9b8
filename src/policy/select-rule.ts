/**
 * Which rule governs a package: the first in file order whose `match` fits,
 * else the policy's defaults. Returns what the decision needs (threshold, the
 * rebuilders that count, the exemption) and says nothing about whether the
 * package passes; that is the verification core's job, as is judging whether an
 * exemption is still active (`isExemptionActive`, with the decision's `now`).
 */
import type { Exemption } from './document.js';
import { matchesPackage, type PackageSubject } from './match.js';
import type { Policy, Rebuilder, Rule } from './policy.js';

export interface AppliedRule {
  /** The matching rule, or undefined when none matched and the policy's defaults apply. */
  readonly rule: Rule | undefined;
  readonly threshold: number;
  /** The rebuilders whose agreement counts here, with their operators and keys, in policy order. */
  readonly rebuilders: readonly Rebuilder[];
  readonly exemption: Exemption | undefined;
  /** For messages: `rule 2 (origin qubes-repo.example, policy.yaml:16)` or `the policy's default`. */
  readonly description: string;
}

export function selectRule(policy: Policy, pkg: PackageSubject): AppliedRule {
  const rule = policy.rules.find((candidate) => matchesPackage(candidate.match, pkg));
  if (rule === undefined) {
    return { rule, threshold: policy.threshold, rebuilders: policy.rebuilders, exemption: undefined, description: "the policy's default" };
  }
  const names = rule.rebuilders;
  return {
    rule,
    threshold: rule.threshold ?? policy.threshold,
    rebuilders: names === undefined ? policy.rebuilders : policy.rebuilders.filter((r) => names.includes(r.name)),
    exemption: rule.exempt,
    description: describeRule(policy, rule),
  };
}

export function describeRule(policy: Pick<Policy, 'file'>, rule: Rule): string {
  const conditions = [
    ...(rule.match.package === undefined ? [] : [`package ${rule.match.package}`]),
    ...(rule.match.origin === undefined ? [] : [`origin ${rule.match.origin}`]),
  ];
  return `rule ${rule.index + 1} (${conditions.join(', ')}, ${policy.file}:${rule.line})`;
}
