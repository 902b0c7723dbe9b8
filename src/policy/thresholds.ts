/**
 * A threshold larger than the number of independent operators that could ever
 * count can never accept anything: with `mode: enforce` it silently refuses
 * every package it covers. That is a policy mistake, reported where it was made.
 */
import type { PolicyDocument } from './document.js';
import { PolicyError } from './errors.js';

/**
 * Check the default threshold and every rule's effective threshold against the
 * operators of the rebuilders that count there. `defaultThreshold` is the
 * policy's own, or the trust root's; `defaultPath` is the field it came from.
 */
export function assertThresholdsReachable(doc: PolicyDocument, defaultThreshold: number, defaultPath: string): void {
  const operatorOf = new Map(doc.rebuilders.map((r) => [r.name, r.operator]));
  const allOperators = distinct(doc.rebuilders.map((r) => r.operator));

  const check = (threshold: number, operators: readonly string[], path: string, scope: string): void => {
    if (threshold <= operators.length) return;
    const have = operators.length === 1 ? '1 operator' : `${operators.length} operators`;
    throw new PolicyError(
      'POLICY_THRESHOLD',
      { file: doc.file, line: doc.lines.get(path), path },
      `threshold ${threshold} can never be met: ${scope} ${have} (${operators.join(', ')}); ` +
        'lower the threshold or add rebuilders run by other operators',
    );
  };

  check(defaultThreshold, allOperators, defaultPath, 'the policy has');
  for (const rule of doc.rules) {
    const base = `rules[${rule.index}]`;
    const threshold = rule.threshold ?? defaultThreshold;
    const operators =
      rule.rebuilders === undefined ? allOperators : distinct(rule.rebuilders.map((name) => operatorOf.get(name) ?? name));
    const path = rule.threshold !== undefined ? `${base}.threshold` : rule.rebuilders !== undefined ? `${base}.rebuilders` : base;
    check(threshold, operators, path, 'this rule counts');
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
