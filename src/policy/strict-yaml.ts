/**
 * YAML text -> one document tree, accepting only the plain subset a policy
 * needs. Refused up front, before the tree is built:
 * - anchors and aliases: an alias bomb ("billion laughs") expands exponentially
 *   in anything that resolves it, and a policy gains nothing from them;
 * - tags (`!!binary`, `!custom`): they change what a value means behind the
 *   reader's back;
 * - directives (`%YAML 1.1` would switch to a schema where `no` is false and
 *   `<<` merges maps);
 * - nesting deeper than any policy: yaml's composer recurses per level, and
 *   running it into the stack limit can abort Node outright (a V8 "RegExpCompiler
 *   Allocation failed" fatal error, seen with yaml 2.9.1 on Node 20), which no
 *   try/catch survives;
 * - more than one document, and anything yaml itself warns about.
 *
 * Values are resolved with the YAML 1.2 core schema, so `2027-06-30` stays text
 * and `on`/`no` are strings. This module does not know the policy's fields.
 */
import { Composer, LineCounter, Parser, type CST, type Document } from 'yaml';

import { PolicyError } from './errors.js';

/**
 * Far above any real policy, far below what strains the parser: bytes of the
 * file, and characters of the text (never more than its UTF-8 bytes).
 */
export const MAX_POLICY_SIZE = 256 * 1024;

/** A policy nests four levels deep (rules > rule > match > package); allow some slack for clear errors. */
const MAX_NESTING = 16;

export interface YamlTree {
  /** The document's root node (a yaml `Node`), or null for an empty document. */
  readonly root: unknown;
  /** 1-based line of a source offset. */
  lineAt(offset: number): number;
}

export function parseStrictYaml(text: string, file: string): YamlTree {
  if (text.length > MAX_POLICY_SIZE) {
    throw new PolicyError('POLICY_TOO_LARGE', { file }, `policy is larger than ${MAX_POLICY_SIZE} characters`);
  }
  const lines = new LineCounter();
  const lineAt = (offset: number): number => Math.max(1, lines.linePos(offset).line);
  const syntaxError = (offset: number, detail: string): PolicyError =>
    new PolicyError('POLICY_SYNTAX', { file, line: lineAt(offset) }, detail);

  let documents: Document.Parsed[];
  try {
    const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
    const refused = findRefusedConstruct(tokens);
    if (refused !== undefined) throw syntaxError(refused.offset, refused.reason);
    const composer = new Composer({
      schema: 'core',
      version: '1.2',
      merge: false,
      // Duplicate keys are refused by the reader, which can name the field and both lines.
      uniqueKeys: false,
      strict: true,
      prettyErrors: false,
    });
    documents = Array.from(composer.compose(tokens, true, text.length));
  } catch (e) {
    if (e instanceof PolicyError) throw e;
    // yaml is not supposed to throw, but a parser bug must still end in a refusal with a code.
    throw new PolicyError('POLICY_SYNTAX', { file }, `not readable as YAML (${String(e)})`, { cause: e });
  }

  const [document, second] = documents;
  if (second !== undefined) throw syntaxError(second.range[0], 'a policy is a single YAML document; remove the "---" separator');
  // compose(…, forceDoc = true) yields a document even for empty text; this is for the type.
  if (document === undefined) return { root: null, lineAt };
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw syntaxError(problem.pos[0], problem.message.charAt(0).toLowerCase() + problem.message.slice(1));
  return { root: document.contents, lineAt };
}

interface Refusal {
  readonly offset: number;
  readonly reason: string;
}

/**
 * Walk the concrete syntax tree iteratively (an explicit stack, so hostile depth
 * cannot overflow ours) and return the first construct a policy may not use.
 */
function findRefusedConstruct(tokens: readonly CST.Token[]): Refusal | undefined {
  const pending: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 })).reverse();
  let first: Refusal | undefined;
  const refuse = (offset: number, reason: string): void => {
    if (first === undefined || offset < first.offset) first = { offset, reason };
  };
  const push = (token: CST.Token | null | undefined, depth: number): void => {
    if (token) pending.push({ token, depth });
  };
  const pushAll = (list: readonly CST.Token[] | undefined, depth: number): void => {
    for (const token of list ?? []) push(token, depth);
  };

  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    switch (token.type) {
      case 'anchor':
        refuse(token.offset, `anchors ("${token.source}") are not allowed in a policy; write the value out`);
        break;
      case 'alias':
        refuse(token.offset, `aliases ("${token.source}") are not allowed in a policy; write the value out`);
        break;
      case 'tag':
        refuse(token.offset, `tags ("${token.source}") are not allowed in a policy`);
        break;
      case 'directive':
        refuse(token.offset, `directives ("${token.source}") are not allowed in a policy`);
        break;
      case 'document':
        pushAll(token.start, depth);
        push(token.value, depth);
        pushAll(token.end, depth);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        if (depth >= MAX_NESTING) {
          refuse(token.offset, `nested more than ${MAX_NESTING} levels deep; a policy needs four`);
          break;
        }
        if (token.type === 'flow-collection') {
          push(token.start, depth + 1);
          pushAll(token.end, depth + 1);
        }
        for (const item of token.items) {
          pushAll(item.start, depth + 1);
          push(item.key, depth + 1);
          pushAll(item.sep, depth + 1);
          push(item.value, depth + 1);
        }
        break;
      case 'block-scalar':
        pushAll(token.props, depth);
        break;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'doc-end':
        pushAll(token.end, depth);
        break;
      default:
        // Spaces, comments, indicators, and error tokens (the composer reports those).
        break;
    }
  }
  return first;
}
