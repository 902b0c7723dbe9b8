/**
 * The Verdict: one value per decision. The apt message, `reprogate explain`,
 * `--json` and the decision log are all renderings of it, so they cannot
 * disagree about what happened.
 */

/** What one rebuilder contributed. */
export type RebuilderStatus = 'agrees' | 'conflicts' | 'invalid' | 'missing';

export interface RebuilderOutcome {
  readonly rebuilder: string;
  readonly operator: string;
  readonly status: RebuilderStatus;
  /** One line: "signed by ed25519 key 2980aa…", "HTTP 404", "signature does not verify". */
  readonly reason: string;
  /** A stable code for scripts: the in-toto or network error code behind `reason`, or the status. */
  readonly code: string;
  /** For missing: the failure may go away on retry (timeout, 5xx, refused connection). */
  readonly transient?: boolean;
  /** For conflicts: the sha256 the rebuilder signed for this file name instead. */
  readonly conflictingSha256?: string;
  /** Distinct documents considered (after collapsing copies of one document). */
  readonly documents: number;
  /** Descriptions of the trusted keys whose signatures counted. */
  readonly signers: readonly string[];
}

export type VerdictCode =
  /** Enough independent operators attest the exact sha256, and no conflict. */
  | 'ACCEPTED'
  /** Short of the threshold, but an active exemption covers the package. */
  | 'ACCEPTED_EXEMPT'
  | 'REFUSED_BELOW_THRESHOLD'
  | 'REFUSED_CONFLICT'
  /** An exemption would have applied, but a document did not verify. */
  | 'REFUSED_INVALID'
  /** The policy could not be read or is invalid: everything is refused. */
  | 'REFUSED_POLICY'
  /** The .deb could not be read, or its control fields disagree with what apt asked for. */
  | 'REFUSED_IDENTITY'
  /** The file's sha256 is not the one apt expected from the signed index. */
  | 'REFUSED_HASH_MISMATCH'
  /** An unexpected error; refused because nothing may fail open. */
  | 'REFUSED_INTERNAL';

export interface PackageFacts {
  readonly name: string;
  /** Full Debian version, epoch included. */
  readonly version: string;
  readonly architecture: string;
  readonly sha256: string;
  /** Host of the repository the .deb came from; undefined for a local file. */
  readonly origin: string | undefined;
}

export interface Verdict {
  /** Whether the policy accepts the package. In audit mode a refusal is only a warning: see `enforced`. */
  readonly accepted: boolean;
  readonly code: VerdictCode;
  /** False in audit mode: the caller warns instead of refusing. */
  readonly enforced: boolean;
  readonly package: PackageFacts;
  readonly threshold: number;
  /** Distinct operators with at least one agreeing rebuilder. */
  readonly agreeingOperators: readonly string[];
  readonly rebuilders: readonly RebuilderOutcome[];
  /** Which rule applied, for people. */
  readonly rule: string;
  readonly exemption?: { readonly reason: string; readonly until: string; readonly active: boolean };
  /** Set for refusals that happen before any rebuilder is consulted (policy, identity, hash). */
  readonly detail?: string;
  /** ISO 8601 time of the decision. */
  readonly decidedAt: string;
}

/** Is the package let through (accepted, or refused only in audit mode)? */
export function letThrough(v: Verdict): boolean {
  return v.accepted || !v.enforced;
}
