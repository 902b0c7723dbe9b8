/**
 * The policy file as written, checked for shape and values but not yet bound to
 * keys: what `parsePolicy` returns and `bindPolicy` consumes. Key files are
 * referenced by resolved path only; reading them is the loader's job.
 *
 * The field lists here are the single source of truth for which fields exist:
 * the parser rejects anything else and a test holds `schema/policy.schema.json`
 * to the same lists.
 */

export const POLICY_VERSION = 1;

export const POLICY_MODES = ['enforce', 'audit'] as const;
/** `audit` logs and warns but never refuses. */
export type PolicyMode = (typeof POLICY_MODES)[number];

export const CONFLICT_ACTIONS = ['refuse', 'ignore'] as const;
/** What a trusted rebuilder attesting another sha256 for the same file does to the decision. */
export type ConflictAction = (typeof CONFLICT_ACTIONS)[number];

export const REBUILDER_TYPES = ['rebuilderd', 'sources', 'directory'] as const;
export type RebuilderType = (typeof REBUILDER_TYPES)[number];

/** The fields each object of the policy file may have, in the order the docs list them. */
export const POLICY_FIELDS = {
  policy: ['version', 'mode', 'threshold', 'on-conflict', 'rebuilders', 'rules', 'trust-root'],
  rebuilder: ['name', 'operator', 'type', 'url', 'keys'],
  rule: ['match', 'threshold', 'rebuilders', 'exempt'],
  match: ['package', 'origin'],
  exempt: ['reason', 'until'],
  trustRoot: ['layout', 'keys'],
} as const satisfies Record<string, readonly string[]>;

/** A file the policy names, resolved against the policy file's folder. */
export interface FileReference {
  /** The path to open. */
  readonly file: string;
  /** The field that named it, e.g. `rebuilders[1].keys[0]`, and its line. */
  readonly path: string;
  readonly line: number;
}

/** Where a rebuilder's attestations come from. */
export type RebuilderEndpoint =
  | { readonly type: 'rebuilderd' | 'sources'; readonly url: string }
  /** A folder in the layout `reprogate fetch --out` writes. */
  | { readonly type: 'directory'; readonly directory: string };

export type RebuilderDocument = RebuilderEndpoint & {
  /** A safe token: it becomes a directory name in the cache and in attestation bundles. */
  readonly name: string;
  /** The independence group; rebuilders of one operator count once. */
  readonly operator: string;
  readonly keys: readonly FileReference[];
};

export interface PackageMatch {
  /** A shell glob over the binary package name (`*` and `?` only). */
  readonly package: string | undefined;
  /** A host name, compared with the host of the repository the .deb came from. */
  readonly origin: string | undefined;
}

export interface Exemption {
  /** Why the package may pass short of the threshold; shown with every use. */
  readonly reason: string;
  /** `YYYY-MM-DD`, inclusive: the exemption holds through that UTC day. */
  readonly until: string;
}

export interface RuleDocument {
  /** 0-based position in `rules`. */
  readonly index: number;
  readonly line: number;
  readonly match: PackageMatch;
  readonly threshold: number | undefined;
  /** Names of the rebuilders that count under this rule; all of them when absent. */
  readonly rebuilders: readonly string[] | undefined;
  readonly exempt: Exemption | undefined;
}

export interface TrustRootDocument {
  /** A signed in-toto layout whose `rebuild` step supplies the trusted keys and threshold. */
  readonly layout: FileReference;
  /** The keys that must have signed the layout. */
  readonly keys: readonly FileReference[];
}

export interface PolicyDocument {
  /** The policy file as named by the caller; messages and relative paths start from it. */
  readonly file: string;
  readonly mode: PolicyMode;
  /** Absent only when `trustRoot` supplies it. */
  readonly threshold: number | undefined;
  readonly onConflict: ConflictAction;
  readonly rebuilders: readonly RebuilderDocument[];
  readonly rules: readonly RuleDocument[];
  readonly trustRoot: TrustRootDocument | undefined;
  /** The line of every field read, by path (`rules[0].threshold` → 18): later checks point there too. */
  readonly lines: ReadonlyMap<string, number>;
}
