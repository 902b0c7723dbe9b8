/**
 * The policy layer: YAML text -> a Policy bound to its keys, rule selection,
 * exemption dates, and the summary `reprogate policy check` prints. Everything
 * here is pure except `loadPolicy`, whose file reading is injected.
 */
export { bindPolicy, TRUST_ROOT_STEP } from './bind-policy.js';
export { describePolicy } from './describe-policy.js';
export {
  CONFLICT_ACTIONS,
  POLICY_FIELDS,
  POLICY_MODES,
  POLICY_VERSION,
  REBUILDER_TYPES,
  type ConflictAction,
  type Exemption,
  type FileReference,
  type PackageMatch,
  type PolicyDocument,
  type PolicyMode,
  type RebuilderDocument,
  type RebuilderEndpoint,
  type RebuilderType,
  type RuleDocument,
  type TrustRootDocument,
} from './document.js';
export { PolicyError, type PolicyErrorCode, type PolicyLocation } from './errors.js';
export { exemptionEnd, isExemptionActive } from './exemption.js';
export { loadPolicy, type PolicyLoaderDeps } from './load-policy.js';
export type { PackageSubject } from './match.js';
export { parsePolicy } from './parse-policy.js';
export type { Policy, Rebuilder, Rule, TrustRoot } from './policy.js';
export { describeRule, selectRule, type AppliedRule } from './select-rule.js';
export { MAX_POLICY_SIZE } from './strict-yaml.js';
