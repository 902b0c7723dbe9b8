/**
 * Verdicts for refusals that happen before any rebuilder is asked: the policy is
 * unusable, the .deb cannot be identified, the hash is not what apt expected, or
 * something unexpected broke. They render like any other Verdict.
 */
import { printableLine } from '../in-toto/index.js';
import type { PackageFacts, Verdict, VerdictCode } from './verdict.js';

export function refusalVerdict(
  pkg: PackageFacts,
  code: Exclude<VerdictCode, 'ACCEPTED' | 'ACCEPTED_EXEMPT'>,
  detail: string,
  now: Date,
  enforced = true,
): Verdict {
  return {
    accepted: false,
    code,
    // Without a readable policy there is no audit mode to fall back on: refuse.
    enforced: code === 'REFUSED_POLICY' ? true : enforced,
    package: pkg,
    threshold: 0,
    agreeingOperators: [],
    rebuilders: [],
    rule: code === 'REFUSED_POLICY' ? 'none (policy unusable)' : 'none',
    detail: printableLine(detail, 1000),
    decidedAt: now.toISOString(),
  };
}
