/**
 * Errors of the policy layer. Every one says where in the policy file the
 * problem is (file, line, field path) so `reprogate policy check` can send the
 * admin straight to it; callers branch on `code`, never on the message.
 */
import { ReprogateError } from '../errors.js';

export type PolicyErrorCode =
  /** The policy file itself could not be read. */
  | 'POLICY_FILE'
  /** The policy file is larger than any sane policy. */
  | 'POLICY_TOO_LARGE'
  /** Not YAML we accept: syntax, duplicate keys, anchors/aliases, tags, directives, depth. */
  | 'POLICY_SYNTAX'
  /** A field that does not exist here (a typo, usually). */
  | 'POLICY_FIELD'
  /** A required field is absent. */
  | 'POLICY_MISSING'
  /** A field holds the wrong kind of value (a list where text belongs, …). */
  | 'POLICY_TYPE'
  /** A value of the right kind that is not allowed (version 2, a bad URL, an unreal date, …). */
  | 'POLICY_VALUE'
  /** A threshold that no set of rebuilders could ever meet. */
  | 'POLICY_THRESHOLD'
  /** A key file is missing, unreadable, or holds no usable public key. */
  | 'POLICY_KEY_FILE'
  /** One key vouches for two operators: that would count one signer twice. */
  | 'POLICY_KEY_OPERATORS'
  /** The trust-root layout is unreadable, unverified, or disagrees with the policy. */
  | 'POLICY_TRUST_ROOT';

/** Where in the policy a problem is; `line` is 1-based, `path` like `rebuilders[1].keys[0]`. */
export interface PolicyLocation {
  readonly file: string;
  readonly line?: number | undefined;
  readonly path?: string | undefined;
}

export class PolicyError extends ReprogateError<PolicyErrorCode> {
  readonly file: string;
  readonly line: number | undefined;
  readonly path: string | undefined;
  /** The problem without the location prefix. */
  readonly detail: string;

  constructor(code: PolicyErrorCode, where: PolicyLocation, detail: string, options?: { cause?: unknown }) {
    super(code, `${formatLocation(where)}${detail}`, options);
    this.file = where.file;
    this.line = where.line;
    this.path = where.path === '' ? undefined : where.path;
    this.detail = detail;
  }
}

/** `policy.yaml:14: rebuilders[1].keys[0]: `, the prefix compilers taught everyone to read. */
function formatLocation({ file, line, path }: PolicyLocation): string {
  const position = line === undefined ? `${file}: ` : `${file}:${line}: `;
  return path === undefined || path === '' ? position : `${position}${path}: `;
}
