/**
 * Typed reading of a strict YAML tree with a field path and line for every
 * value, so each complaint reads `policy.yaml:14: rebuilders[1].keys[0]: …`.
 * Knows kinds (mapping, list, text, whole number) and nothing about what a
 * policy means; it never converts the tree wholesale (`toJS`), so nothing is
 * resolved that was not asked for.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';

import { PolicyError, type PolicyErrorCode } from './errors.js';
import { closestName } from './suggest.js';
import type { YamlTree } from './strict-yaml.js';

/** A value in the tree with where it was written. `node` is a yaml node, or null when nothing was written. */
export interface Located {
  readonly node: unknown;
  readonly path: string;
  readonly line: number;
}

// C0 controls other than none, DEL and C1: no policy value needs them, and they would
// break the one-line messages and logs these values end up in.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export class PolicyReader {
  /** The line of every value read so far, by path. */
  readonly lines = new Map<string, number>();

  constructor(
    readonly file: string,
    private readonly tree: YamlTree,
  ) {}

  root(): Located {
    return this.locate(this.tree.root, '', this.lineOf(this.tree.root, 1));
  }

  fail(code: PolicyErrorCode, at: { readonly path: string; readonly line: number }, detail: string): never {
    throw new PolicyError(code, { file: this.file, line: at.line, path: at.path }, detail);
  }

  /** A mapping; with `known`, any other field is an error that suggests the likely intended name. */
  fields(at: Located, known?: readonly string[]): Fields {
    if (!isMap(at.node)) this.fail('POLICY_TYPE', at, `expected a mapping, found ${describeFound(at.node)}`);
    const entries = new Map<string, Located>();
    for (const pair of at.node.items) {
      const key: unknown = pair.key;
      const keyLine = this.lineOf(key, at.line);
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.fail('POLICY_TYPE', { path: at.path, line: keyLine }, `field names must be text, found ${describeFound(key)}`);
      }
      const name = key.value;
      const path = at.path === '' ? name : `${at.path}.${name}`;
      // A repeated field would leave the admin guessing which of the two values counts.
      const earlier = entries.get(name);
      if (earlier !== undefined) {
        this.fail('POLICY_SYNTAX', { path, line: keyLine }, `field ${quote(name)} appears twice in this mapping (first on line ${earlier.line})`);
      }
      // A field's line is its key's: for a block list or mapping the value starts on a later line.
      entries.set(name, this.locate(pair.value, path, keyLine));
    }
    const fields = new Fields(this, at, entries);
    if (known !== undefined) fields.rejectUnknown(known);
    return fields;
  }

  /** A list; empty only with `allowEmpty` (an empty list of keys or rebuilders is always a mistake). */
  list(at: Located, what: string, { allowEmpty = false } = {}): Located[] {
    if (!isSeq(at.node)) this.fail('POLICY_TYPE', at, `expected a list of ${what}, found ${describeFound(at.node)}`);
    if (at.node.items.length === 0 && !allowEmpty) this.fail('POLICY_VALUE', at, `expected at least one of the ${what}, found an empty list`);
    return at.node.items.map((item, i) => this.locate(item, `${at.path}[${i}]`, this.lineOf(item, at.line)));
  }

  /** Text without control characters; `what` names it in the message ("a file path"). */
  text(at: Located, what: string): string {
    const { node } = at;
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.fail('POLICY_TYPE', at, `expected ${what}, found ${describeFound(node)}`);
    }
    if (CONTROL_CHARACTER.test(node.value)) this.fail('POLICY_VALUE', at, `${what} may not contain control characters or line breaks`);
    return node.value;
  }

  /**
   * A whole number written in plain decimal. `2.0`, `0x2` and `"2"` are refused:
   * the core schema would read the first two as numbers, but nobody means a
   * threshold in hexadecimal.
   */
  wholeNumber(at: Located, what: string): number {
    const { node } = at;
    const isDecimal =
      isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'number' && /^[0-9]{1,15}$/.test(node.source ?? '');
    if (!isDecimal) this.fail('POLICY_TYPE', at, `expected ${what} (a whole number), found ${describeFound(node)}`);
    return node.value as number;
  }

  oneOf<T extends string>(at: Located, allowed: readonly T[]): T {
    const expected = allowed.join(' or ');
    if (!isScalar(at.node) || typeof at.node.value !== 'string') {
      this.fail('POLICY_TYPE', at, `expected ${expected}, found ${describeFound(at.node)}`);
    }
    const written = at.node.value;
    const match = allowed.find((value) => value === written);
    if (match === undefined) {
      const hint = closestName(written, allowed);
      this.fail('POLICY_VALUE', at, `expected ${expected}, found ${quote(written)}${hint === undefined ? '' : `; did you mean "${hint}"?`}`);
    }
    return match;
  }

  private locate(node: unknown, path: string, line: number): Located {
    this.lines.set(path, line);
    return { node, path, line };
  }

  private lineOf(node: unknown, fallbackLine: number): number {
    const range = (node as { range?: unknown } | null)?.range;
    return Array.isArray(range) && typeof range[0] === 'number' ? this.tree.lineAt(range[0]) : fallbackLine;
  }
}

/** The fields of one mapping, each with its path and line. */
export class Fields {
  constructor(
    private readonly reader: PolicyReader,
    /** The mapping itself. */
    readonly at: Located,
    private readonly entries: ReadonlyMap<string, Located>,
  ) {}

  get(name: string): Located | undefined {
    return this.entries.get(name);
  }

  /** `purpose` says what the field is for, so the message tells the admin what to write. */
  require(name: string, purpose: string): Located {
    const field = this.entries.get(name);
    if (field !== undefined) return field;
    const path = this.at.path === '' ? name : `${this.at.path}.${name}`;
    return this.reader.fail('POLICY_MISSING', { path, line: this.at.line }, `required field is missing (${purpose})`);
  }

  rejectUnknown(known: readonly string[]): void {
    for (const [name, field] of this.entries) {
      if (known.includes(name)) continue;
      if (name === '<<') this.reader.fail('POLICY_SYNTAX', field, 'merge keys ("<<") are not allowed in a policy; write the fields out');
      const hint = closestName(name, known);
      const advice = hint === undefined ? `allowed here: ${known.join(', ')}` : `did you mean "${hint}"?`;
      this.reader.fail('POLICY_FIELD', field, `unknown field ${quote(name)}; ${advice}`);
    }
  }
}

function describeFound(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (!isScalar(node)) return 'an unsupported value';
  const { value } = node;
  if (value === null) return 'nothing';
  if (typeof value === 'string') return `text ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${node.source ?? String(value)}`;
  return 'an unsupported value';
}

/** Quote a value from the file for a one-line message: escaped, and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
