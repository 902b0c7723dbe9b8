/**
 * Properties of both rewriters over generated sources files: disable undoes enable
 * byte for byte, enable is idempotent, exactly the http(s) URIs change, and any text at
 * all only ever fails with a SourcesError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteDeb822 } from '../../../src/sources/deb822.js';
import { SourcesError } from '../../../src/sources/errors.js';
import { rewriteOneLine } from '../../../src/sources/one-line.js';
import type { SourcesDirection, SourcesRewrite } from '../../../src/sources/switch-uri.js';

type Rewriter = (text: string, direction: SourcesDirection) => SourcesRewrite;

const word = (chars: string, max = 8): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: max });
const blank = fc.string({ unit: fc.constantFrom(' ', '\t'), minLength: 1, maxLength: 3 });
const maybeBlank = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
const scheme = fc.constantFrom('http', 'https', 'http', 'https', 'file', 'copy', 'tor+http', 'mirror+https', 'cdrom');
const uri = fc
  .tuple(scheme, word('abcxyz019.-'), fc.array(word('abcXYZ019._~-'), { maxLength: 3 }))
  .map(([s, host, path]) => `${s}://${host}/${path.join('/')}`);
const lineEnd = fc.constantFrom('', '', '\r');

/** One-line entries with the variations apt accepts, plus comments and blank lines. */
const oneLineLine = fc.oneof(
  fc.tuple(fc.constantFrom('#', '# ', '#deb '), fc.string({ maxLength: 30 })).map(([h, rest]) => h + rest.replace(/[\n]/g, ' ')),
  maybeBlank,
  fc
    .record({
      lead: maybeBlank,
      type: fc.constantFrom('deb', 'deb-src'),
      gap: blank,
      options: fc.option(
        fc.tuple(maybeBlank, fc.array(fc.tuple(word('abc-'), word('abc019/.,=-')), { minLength: 1, maxLength: 3 }), maybeBlank, blank),
        { nil: undefined },
      ),
      uri,
      quoted: fc.boolean(),
      suite: fc.oneof(word('abcxyz-'), fc.constant('./')),
      components: fc.array(fc.tuple(blank, word('abcmain-')), { minLength: 1, maxLength: 3 }),
      trail: maybeBlank,
      comment: fc.option(fc.string({ maxLength: 12 }).map((c) => `# ${c.replace(/\n/g, ' ')}`), { nil: undefined }),
      end: lineEnd,
    })
    .map((e) => {
      const options = e.options
        ? `[${e.options[0]}${e.options[1].map(([k, v]) => `${k}=${v}`).join(' ')}${e.options[2]}]${e.options[3]}`
        : '';
      const written = e.quoted ? `"${e.uri}"` : e.uri;
      const rest = e.suite === './' ? '' : e.components.map(([b, c]) => b + c).join('');
      return `${e.lead}${e.type}${e.gap}${options}${written} ${e.suite}${rest}${e.trail}${e.comment ?? ''}${e.end}`;
    }),
);
const oneLineFile = fc.tuple(fc.array(oneLineLine, { maxLength: 12 }), fc.boolean()).map(([lines, finalNewline]) => lines.join('\n') + (finalNewline ? '\n' : ''));

/** deb822 stanzas: URIs on one line or folded, comments anywhere, Enabled sometimes. */
const comment = fc.string({ maxLength: 20 }).map((c) => `#${c.replace(/\n/g, ' ')}`);
const stanza = fc
  .record({
    uris: fc.array(fc.array(uri, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
    name: fc.constantFrom('URIs', 'uris', 'URIs '),
    enabled: fc.option(fc.constantFrom('yes', 'no', 'false', '1'), { nil: undefined }),
    comments: fc.array(fc.tuple(fc.nat(6), comment), { maxLength: 2 }),
    end: lineEnd,
  })
  .map((s) => {
    const [first = [], ...more] = s.uris;
    const lines = ['Types: deb', `${s.name}: ${first.join(' ')}`, ...more.map((us) => ` ${us.join('\t')}`), 'Suites: stable', 'Components: main'];
    if (s.enabled !== undefined) lines.push(`Enabled: ${s.enabled}`);
    for (const [at, c] of s.comments) lines.splice(Math.min(at, lines.length), 0, c);
    return lines.map((l) => l + s.end).join('\n');
  });
const deb822File = fc.array(stanza, { minLength: 1, maxLength: 4 }).map((stanzas) => `${stanzas.join('\n\n')}\n`);

const plainSchemeCount = (text: string): number => (text.match(/(?<![+\w])https?:\/\//g) ?? []).length;

function roundTrips(rewrite: Rewriter, text: string): void {
  const enabled = rewrite(text, 'enable');
  expect(rewrite(enabled.text, 'disable').text).toBe(text);
  expect(rewrite(enabled.text, 'enable')).toEqual({ text: enabled.text, changes: [], kept: enabled.kept });
  expect(enabled.text.length - text.length).toBe('reprogate+'.length * enabled.changes.length);
  for (const change of enabled.changes) expect(change.newUri).toBe(`reprogate+${change.oldUri}`);
}

describe('sources rewriter properties', () => {
  it('one-line: disable(enable(x)) is x, enable is idempotent, only http(s) URIs change', () => {
    fc.assert(
      fc.property(oneLineFile, (text) => {
        roundTrips(rewriteOneLine, text);
        const entries = text.split('\n').filter((l) => /^\s*deb/.test(l));
        const httpEntries = entries.filter((l) => /^\s*deb(-src)?\s+(\[[^\]]*\]\s*)?"?https?:/.test(l));
        expect(rewriteOneLine(text, 'enable').changes).toHaveLength(httpEntries.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('deb822: disable(enable(x)) is x, enable is idempotent, every http(s) URI changes', () => {
    fc.assert(
      fc.property(deb822File, (text) => {
        roundTrips(rewriteDeb822, text);
        // Comments are generated without "://" after a scheme only by chance: count URIs outside them.
        const outsideComments = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
        expect(rewriteDeb822(text, 'enable').changes).toHaveLength(plainSchemeCount(outsideComments));
      }),
      { numRuns: 1000 },
    );
  });

  const sourcesish = fc
    .array(
      fc.oneof(
        fc.constantFrom('deb ', 'deb-src ', '[', ']', '"', '#', '%68', 'http://', 'https://', 'reprogate+', 'URIs:', 'Enabled: no', ' ', '\t', '\n', '\r', './', 'a=b', ':'),
        fc.string({ unit: 'binary', maxLength: 6 }),
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join(''));

  it.each<[string, Rewriter]>([
    ['one-line', rewriteOneLine],
    ['deb822', rewriteDeb822],
  ])('%s: any text only ever fails with a SourcesError, and what succeeds round-trips', (_name, rewrite) => {
    fc.assert(
      fc.property(sourcesish, fc.constantFrom<SourcesDirection>('enable', 'disable'), (text, direction) => {
        let result: SourcesRewrite;
        try {
          result = rewrite(text, direction);
        } catch (e) {
          if (!(e instanceof SourcesError)) throw e;
          return;
        }
        // Whatever was switched switches back to the same text.
        const back = rewrite(result.text, direction === 'enable' ? 'disable' : 'enable');
        if (result.changes.length > 0) expect(back.changes.length).toBeGreaterThanOrEqual(result.changes.length);
        expect(rewrite(result.text, direction).changes).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });
});
