/**
 * Switches the URIs of a deb822-style sources file (`*.sources`):
 *
 *   Types: deb deb-src
 *   URIs: https://<mirror>/debian
 *    https://<other mirror>/debian
 *   Suites: bookworm
 *   Components: main
 *
 * Read as apt reads it (pkgTagFile with SUPPORT_COMMENTS, pkgTagSection::Scan,
 * sourcelist.cc FindMultiValue): a line starting with "#" is a comment wherever it is
 * and is dropped before parsing, so it neither ends a field nor a stanza; a line
 * starting with whitespace continues the field above it; a line that is empty (or only
 * "\r") ends the stanza; field names are case-insensitive; `URIs` is split at ASCII
 * whitespace with no quoting or escapes. Only the URI tokens change; every other byte
 * is kept.
 *
 * Stanzas with `Enabled: no` are switched too, so that enabling one later does not
 * bring back an ungated source, and their changes say `enabled: false`.
 *
 * Works on text where one character is one byte (the edge decodes files as latin1).
 * Does no I/O.
 */
import { AptConfig } from '../apt/protocol/config.js';
import { quoteUntrusted } from '../deb/errors.js';
import { SourcesError } from './errors.js';
import type { KeptUri, SourcesDirection, SourcesRewrite, UriChange } from './switch-uri.js';
import { planScheme, schemeOf, spliceLine, switchedUri, switchEdit } from './switch-uri.js';

/** A field's value: where it starts on its first line, then whole continuation lines. */
interface Field {
  readonly name: string;
  readonly spans: { readonly line: number; readonly from: number }[];
}

type Stanza = Field[];

export function rewriteDeb822(text: string, direction: SourcesDirection, source = 'sources'): SourcesRewrite {
  const lines = text.split('\n');
  const changes: UriChange[] = [];
  const kept: KeptUri[] = [];
  const edits = new Map<number, (readonly [number, string | number])[]>();

  for (const stanza of readStanzas(lines, source)) {
    const enabled = isEnabled(stanza, lines);
    for (const field of stanza.filter((f) => sameName(f.name, 'URIs'))) {
      for (const { line, from } of field.spans) {
        for (const token of (lines[line] ?? '').slice(from).matchAll(/[^ \t\n\v\f\r]+/g)) {
          const uri = token[0];
          const scheme = schemeOf(uri);
          if (scheme === undefined) {
            // apt's FixupURI refuses it in a stanza it reads; a disabled stanza is never read.
            if (!enabled) continue;
            throw new SourcesError('SOURCES_SYNTAX', `${source}:${line + 1}: apt would refuse the URI ${quoteUntrusted(uri)} (no scheme)`);
          }
          const plan = planScheme(scheme, direction);
          if (plan === 'other') kept.push({ line: line + 1, uri, scheme, enabled });
          if (plan !== 'switch') continue;
          changes.push({ line: line + 1, oldUri: uri, newUri: switchedUri(uri, direction), enabled });
          const lineEdits = edits.get(line) ?? [];
          lineEdits.push(switchEdit(from + (token.index ?? 0), direction));
          edits.set(line, lineEdits);
        }
      }
    }
  }

  const rewritten = lines.map((line, index) => spliceLine(line, edits.get(index) ?? []));
  return { text: rewritten.join('\n'), changes, kept };
}

function readStanzas(lines: readonly string[], source: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let stanza: Stanza | undefined;
  let field: Field | undefined;
  lines.forEach((line, index) => {
    if (line.startsWith('#')) return;
    if (/^\r*$/.test(line)) {
      stanza = undefined;
      field = undefined;
      return;
    }
    if (/^[ \t\v\f\r]/.test(line)) {
      // A continuation with no field above it is skipped by apt as well.
      field?.spans.push({ line: index, from: 0 });
      return;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      throw new SourcesError('SOURCES_SYNTAX', `${source}:${index + 1}: apt would refuse this line (a field without ":"): ${quoteUntrusted(line)}`);
    }
    if (!stanza) {
      stanza = [];
      stanzas.push(stanza);
    }
    field = { name: line.slice(0, colon).replace(/[ \t\v\f\r]+$/, ''), spans: [{ line: index, from: colon + 1 }] };
    stanza.push(field);
  });
  return stanzas;
}

/**
 * ParseStanza skips a stanza whose `Enabled` is set and StringToBool says false; the
 * last field of a name wins, as in pkgTagSection. AptConfig.getBool is apt's FindB,
 * which is that same StringToBool.
 */
function isEnabled(stanza: Stanza, lines: readonly string[]): boolean {
  const field = stanza.filter((f) => sameName(f.name, 'Enabled')).pop();
  if (!field) return true;
  const value = field.spans.map(({ line, from }) => (lines[line] ?? '').slice(from)).join('\n').trim();
  return AptConfig.fromItems([['Enabled', value]]).getBool('Enabled', true);
}

/** Field names compare case-insensitively, ASCII only. */
function sameName(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}
