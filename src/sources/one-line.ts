/**
 * Switches the URIs of a one-line-style sources file (`sources.list`, `*.list`):
 *
 *   deb [ option=value ... ] uri suite [component ...]
 *
 * Each line is read the way apt 2.6/3.x reads it (apt-pkg/sourcelist.cc
 * ParseFileOldStyle and Type::ParseLine, strutl.cc ParseQuoteWord), so that the token
 * we rewrite is the one apt takes as the URI; only that token changes, every other
 * byte (options, spacing, comments, line ends) is kept. Comments and commented-out
 * entries are never touched. A line apt would refuse is refused here too: we could not
 * tell which token is its URI.
 *
 * Works on text where one character is one byte (the edge decodes files as latin1), so
 * nothing outside ASCII can change. Does no I/O.
 */
import { quoteUntrusted } from '../deb/errors.js';
import { SourcesError } from './errors.js';
import type { KeptUri, SourcesDirection, SourcesRewrite, UriChange } from './switch-uri.js';
import { planScheme, schemeOf, spliceLine, switchedUri, switchEdit } from './switch-uri.js';

/** C's isspace() in the "C" locale, which ParseQuoteWord's callers use. */
const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\v\f\r'.includes(c);
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** The source types apt 2.6 and 3.x register (Type::GetType compares them exactly). */
const SOURCE_TYPES: readonly string[] = ['deb', 'deb-src'];

export function rewriteOneLine(text: string, direction: SourcesDirection, source = 'sources.list'): SourcesRewrite {
  const changes: UriChange[] = [];
  const kept: KeptUri[] = [];
  const lines = text.split('\n').map((line, index) => {
    const entry = readEntry(line, `${source}:${index + 1}`);
    if (!entry) return line;
    const { uri, schemeAt } = entry;
    const scheme = schemeOf(uri) ?? '';
    const plan = planScheme(scheme, direction);
    if (plan === 'other') kept.push({ line: index + 1, uri, scheme, enabled: true });
    if (plan !== 'switch') return line;
    // The rewrite inserts or removes text in front of the scheme, so the scheme must be
    // there literally; a quoted or %-escaped one decodes to http but cannot be edited.
    if (!line.startsWith(`${scheme}:`, schemeAt)) {
      throw new SourcesError(
        'SOURCES_UNSUPPORTED',
        `${source}:${index + 1}: the scheme of ${quoteUntrusted(uri)} is quoted or %-escaped; write it plainly and run again`,
      );
    }
    const newUri = switchedUri(uri, direction);
    changes.push({ line: index + 1, oldUri: uri, newUri, enabled: true });
    return spliceLine(line, [switchEdit(schemeAt, direction)]);
  });
  return { text: lines.join('\n'), changes, kept };
}

interface Entry {
  /** The URI as apt reads it (quotes dropped, %xx decoded). */
  readonly uri: string;
  /** Where the URI's scheme starts in the line (after an opening quote). */
  readonly schemeAt: number;
}

/** The URI of a `deb`/`deb-src` line, or undefined for a blank or comment line. */
function readEntry(line: string, where: string): Entry | undefined {
  const malformed = (what: string): SourcesError =>
    new SourcesError('SOURCES_SYNTAX', `${where}: apt would refuse this entry (${what}): ${quoteUntrusted(line)}`);

  // A "#" starts a comment unless it is inside an option bracket.
  let end = line.length;
  for (let hash = line.indexOf('#'); hash >= 0; hash = line.indexOf('#', hash + 1)) {
    const before = line.slice(0, hash);
    if (count(before, '[') <= count(before, ']')) {
      end = hash;
      break;
    }
  }
  let start = 0;
  while (start < end && ' \t\r'.includes(line[start] ?? '')) start++;
  while (end > start && ' \t\r'.includes(line[end - 1] ?? '')) end--;
  if (start === end) return undefined;

  let at = start;
  while (at < end && !' \t\v'.includes(line[at] ?? '')) at++;
  const type = line.slice(start, at);
  if (at === end) throw malformed('no type');
  if (!SOURCE_TYPES.includes(type)) throw malformed(`unknown type ${quoteUntrusted(type)}`);

  while (at < end && isSpace(line[at])) at++;
  if (line[at] === '[') at = skipOptions(line, at, end, malformed);

  const uri = parseQuoteWord(line, at, end);
  if (!uri) throw malformed('no URI');
  const suite = parseQuoteWord(line, uri.next, end);
  if (!suite) throw malformed('no suite');
  if (!uri.value.includes(':')) throw malformed('URI without a scheme');
  const component = parseQuoteWord(line, suite.next, end);
  if (suite.value.endsWith('/') && component) throw malformed('a component after an absolute suite');
  if (!suite.value.endsWith('/') && !component) throw malformed('no component');

  return { uri: uri.value, schemeAt: line[uri.start] === '"' ? uri.start + 1 : uri.start };
}

/** Type::ParseLine's `[ key=value ... ]` loop; returns the index after the options. */
function skipOptions(line: string, open: number, end: number, malformed: (what: string) => SourcesError): number {
  let at = open + 1;
  while (at < end && isSpace(line[at])) at++;
  while (at >= end || line[at] !== ']') {
    const word = parseQuoteWord(line, at, end);
    if (!word) throw malformed('unparsable [option]');
    let option = word.value;
    if (option.length < 3) throw malformed('[option] too short');
    at = word.next;
    // apt accepts "key=value]" and steps back to that "]".
    if (option.endsWith(']')) {
      while (at > word.start && line[at] !== ']') at--;
      if (line[at] !== ']') throw malformed('unparsable [option]');
      option = option.slice(0, -1);
    }
    const equals = option.indexOf('=');
    if (equals < 0) throw malformed('[option] not an assignment');
    if (equals === 0) throw malformed('[option] without a key');
    if (equals === option.length - 1) throw malformed('[option] without a value');
  }
  at++;
  while (at < end && isSpace(line[at])) at++;
  return at;
}

interface Word {
  /** Where the raw token starts. */
  readonly start: number;
  /** The token as apt reads it: `"` removed, %xx decoded. */
  readonly value: string;
  /** Where the next word may start (after trailing whitespace). */
  readonly next: number;
}

/**
 * strutl.cc ParseQuoteWord over line[from, end): a word runs to the next whitespace,
 * except inside "..." and [...]; undefined when there is no word or a quote or bracket
 * is not closed (apt's `false`).
 */
function parseQuoteWord(line: string, from: number, end: number): Word | undefined {
  let start = from;
  while (start < end && line[start] === ' ') start++;
  if (start >= end) return undefined;
  let at = start;
  for (; at < end && !isSpace(line[at]); at++) {
    if (line[at] === '"') {
      at = line.indexOf('"', at + 1);
      if (at < 0 || at >= end) return undefined;
    }
    if (line[at] === '[') {
      at = line.indexOf(']', at + 1);
      if (at < 0 || at >= end) return undefined;
    }
  }
  let value = '';
  for (let i = start; i < at; ) {
    if (line[i] === '%' && i + 2 < at && isHex(line[i + 1]) && isHex(line[i + 2])) {
      value += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    if (line[i] !== '"') value += line[i];
    i++;
  }
  let next = at;
  while (next < end && isSpace(line[next])) next++;
  return { start, value, next };
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
