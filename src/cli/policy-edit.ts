/**
 * Adding a rebuilder to a policy file's text, for `reprogate policy add-rebuilder`,
 * so that every byte the admin wrote stays as it was: comments, quoting, flow
 * lists, blank lines. Only the new entry is new.
 *
 * yaml's Document API locates the `rebuilders` list and its last item, and
 * renders the new entry; the entry is then spliced into the text after that
 * item, in the style of the items around it (block or flow, indentation,
 * padding inside brackets, line ends). Re-serializing the whole Document instead
 * would reflow the file: `[keys/a.pem]` becomes `[ keys/a.pem ]` and long flow
 * maps get rewrapped.
 *
 * The text is read with `parsePolicy` before yaml's parseDocument sees it (that
 * refuses the deep nesting that can crash yaml's composer, see strict-yaml.ts),
 * and the result is read again and must mean the old policy plus exactly the new
 * entry; otherwise nothing is returned. Pure: no I/O.
 */
import path from 'node:path';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { ReprogateError } from '../errors.js';
import { parsePolicy, type PolicyDocument, type RebuilderDocument } from '../policy/index.js';

export type PolicyEditErrorCode =
  /** The policy already has a rebuilder of that name. */
  | 'POLICY_EDIT_NAME_TAKEN'
  /** The rebuilders list is written in a way the entry cannot be added to without rewriting it. */
  | 'POLICY_EDIT_LAYOUT'
  /** A key file of that name exists and holds another key. */
  | 'POLICY_EDIT_KEY_CONFLICT'
  /** Not on a terminal and no --yes: nobody confirmed the fingerprint. */
  | 'POLICY_EDIT_UNCONFIRMED'
  /** The policy file changed between our read and our write. */
  | 'POLICY_EDIT_CHANGED'
  /** Writing the policy or a key file failed. */
  | 'POLICY_EDIT_WRITE';

export class PolicyEditError extends ReprogateError<PolicyEditErrorCode> {}

export interface NewRebuilder {
  readonly name: string;
  /** Written only when given: the policy's default operator is the name. */
  readonly operator?: string | undefined;
  readonly type: 'rebuilderd';
  readonly url: string;
  /** As written in the policy: relative to its folder. */
  readonly keys: readonly string[];
}

/** `text` with `entry` appended to its `rebuilders` list. Throws PolicyError for a policy that does not parse, before and after. */
export function addRebuilderToPolicy(text: string, file: string, entry: NewRebuilder): string {
  const before = parsePolicy(text, file);
  const taken = before.rebuilders.find((r) => r.name === entry.name);
  if (taken !== undefined) {
    const line = before.lines.get(`rebuilders[${before.rebuilders.indexOf(taken)}]`);
    throw new PolicyEditError('POLICY_EDIT_NAME_TAKEN', `${file}${line === undefined ? '' : `:${line}`}: the policy already has a rebuilder named ${entry.name}`);
  }

  const seq = parseDocument(text).get('rebuilders', true);
  const last = isSeq(seq) ? seq.items.at(-1) : undefined;
  if (!isSeq(seq) || !isMap(last) || !seq.range || !last.range) throw layoutError(file, entry);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lastText = text.slice(last.range[0], last.range[1]);
  const padded = /[[{] /.test(lastText) || (seq.flow === true && /[[{] /.test(text.slice(seq.range[0], seq.range[1])));

  let result: string;
  if (seq.flow) {
    result = splice(text, last.range[1], `, ${renderEntry(entry, true, padded)}`);
  } else {
    const dash = seq.range[0];
    const lineStart = text.lastIndexOf('\n', dash - 1) + 1;
    if (text[dash] !== '-' || text.slice(lineStart, dash).trim() !== '') throw layoutError(file, entry);
    const indent = ' '.repeat(dash - lineStart);
    const rendered = renderEntry(entry, last.flow === true, padded).split('\n');
    const item = rendered.map((line, i) => `${indent}${i === 0 ? '- ' : '  '}${line}${eol}`).join('');
    result = splice(text, lineEndAfter(text, last.range[1]), item, eol);
  }

  let after: PolicyDocument;
  try {
    after = parsePolicy(result, file);
  } catch (e) {
    // The name, operator or URL of the new entry is not acceptable: say so in the policy's own words.
    if (isAboutEntry(e, before.rebuilders.length)) throw e;
    throw layoutError(file, entry);
  }
  if (!meansBeforePlus(before, after, entry)) throw layoutError(file, entry);
  return result;
}

/** The entry as YAML: a one-line flow map, or block lines without indentation. */
export function renderEntry(entry: NewRebuilder, flow: boolean, padded: boolean): string {
  const doc = new Document({
    name: entry.name,
    ...(entry.operator !== undefined ? { operator: entry.operator } : {}),
    type: entry.type,
    url: entry.url,
    keys: [...entry.keys],
  });
  const map = doc.contents;
  const keys = isMap(map) ? map.get('keys', true) : undefined;
  if (isSeq(keys)) keys.flow = true;
  if (isMap(map)) map.flow = flow;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: padded }).replace(/\n$/, '');
}

function splice(text: string, at: number, insert: string, eol = ''): string {
  // A file without a final newline gets one before the new item, which starts on a line of its own.
  const separator = eol !== '' && at === text.length && text !== '' && !text.endsWith('\n') ? eol : '';
  return text.slice(0, at) + separator + insert + text.slice(at);
}

/** Just after the line break that ends the line holding offset `end - 1` (a trailing comment stays on its line). */
function lineEndAfter(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const newline = text.indexOf('\n', end);
  return newline === -1 ? text.length : newline + 1;
}

function isAboutEntry(e: unknown, index: number): boolean {
  const path = (e as { path?: unknown } | null)?.path;
  return typeof path === 'string' && path.startsWith(`rebuilders[${index}]`);
}

/** The new document is the old one with the entry appended, and nothing else changed (line numbers aside). */
function meansBeforePlus(before: PolicyDocument, after: PolicyDocument, entry: NewRebuilder): boolean {
  const added = after.rebuilders.at(-1);
  if (after.rebuilders.length !== before.rebuilders.length + 1 || added === undefined) return false;
  const withoutLines = (doc: PolicyDocument, rebuilders: readonly RebuilderDocument[]): string =>
    JSON.stringify({ ...doc, rebuilders, lines: undefined }, (key, value: unknown) => (key === 'line' ? undefined : value));
  if (withoutLines(before, before.rebuilders) !== withoutLines(after, after.rebuilders.slice(0, -1))) return false;
  return (
    added.name === entry.name &&
    added.operator === (entry.operator ?? entry.name) &&
    added.type === entry.type &&
    'url' in added &&
    added.url === entry.url &&
    added.keys.length === entry.keys.length &&
    added.keys.every((k, i) => k.file === resolveAgainst(before.file, entry.keys[i]!))
  );
}

/** As parsePolicy resolves a written path: relative to the policy's folder. */
function resolveAgainst(policyFile: string, written: string): string {
  return path.isAbsolute(written) ? path.normalize(written) : path.join(path.dirname(policyFile), written);
}

function layoutError(file: string, entry: NewRebuilder): PolicyEditError {
  return new PolicyEditError(
    'POLICY_EDIT_LAYOUT',
    `cannot add to the rebuilders list of ${file} without rewriting it; add this entry to it by hand: ${renderEntry(entry, true, false)}`,
  );
}
