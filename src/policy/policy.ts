/**
 * The policy bound to its keys: what the verification core decides with. Made
 * only by `bindPolicy`, after every cross-check between the file, its key files
 * and the trust root has passed.
 */
import type { PublicKey } from '../in-toto/index.js';

import type { ConflictAction, PolicyMode, RebuilderEndpoint, RuleDocument } from './document.js';

export type Rebuilder = RebuilderEndpoint & {
  readonly name: string;
  /** Agreement is counted once per operator, however many of its rebuilders agree. */
  readonly operator: string;
  /** Every (sub)key from its key files, each once. */
  readonly keys: readonly PublicKey[];
};

export type Rule = RuleDocument;

export interface TrustRoot {
  /** The layout file. */
  readonly layout: string;
  readonly expires: Date;
  /** The layout keys whose signatures verified. */
  readonly signers: readonly PublicKey[];
}

export interface Policy {
  readonly file: string;
  readonly mode: PolicyMode;
  /** Independent operators that must attest the exact sha256 when no rule says otherwise. */
  readonly threshold: number;
  /** Where `threshold` comes from: the policy file, or the trust root's `rebuild` step. */
  readonly thresholdSource: 'policy' | 'trust-root';
  readonly onConflict: ConflictAction;
  readonly rebuilders: readonly Rebuilder[];
  /** In file order; the first that matches a package wins. */
  readonly rules: readonly Rule[];
  readonly trustRoot: TrustRoot | undefined;
  /** Problems tolerated because nothing is refused in audit mode (key files not pinned yet). */
  readonly warnings: readonly string[];
}
