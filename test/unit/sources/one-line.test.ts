/**
 * One-line sources (sources.list, *.list): only the URI token changes, byte for byte
 * everything else stays, and lines apt would refuse are refused by code.
 */
import { describe, expect, it } from 'vitest';
import { SourcesError } from '../../../src/sources/errors.js';
import type { SourcesErrorCode } from '../../../src/sources/errors.js';
import { rewriteOneLine } from '../../../src/sources/one-line.js';
import { ONE_LINE_ENCODED_HTTP, ONE_LINE_ENTRIES, ONE_LINE_MALFORMED } from './corpus.js';

function codeOf(text: string): SourcesErrorCode {
  try {
    rewriteOneLine(text, 'enable', 'test.list');
  } catch (e) {
    expect(e).toBeInstanceOf(SourcesError);
    expect((e as Error).message).toMatch(/^test\.list:\d+: /);
    return (e as SourcesError).code;
  }
  throw new Error('expected a SourcesError');
}

const enable = (text: string): string => rewriteOneLine(text, 'enable').text;

describe('rewriteOneLine', () => {
  it('switches http and https on deb and deb-src lines, and back', () => {
    const text = [
      'deb http://<mirror>/debian bookworm main contrib',
      'deb-src https://<mirror>/debian bookworm main',
      'deb https://<security>/debian-security bookworm-security main',
      '',
    ].join('\n');
    const enabled = rewriteOneLine(text, 'enable');
    expect(enabled.text).toBe(
      [
        'deb reprogate+http://<mirror>/debian bookworm main contrib',
        'deb-src reprogate+https://<mirror>/debian bookworm main',
        'deb reprogate+https://<security>/debian-security bookworm-security main',
        '',
      ].join('\n'),
    );
    expect(enabled.changes).toEqual([
      { line: 1, oldUri: 'http://<mirror>/debian', newUri: 'reprogate+http://<mirror>/debian', enabled: true },
      { line: 2, oldUri: 'https://<mirror>/debian', newUri: 'reprogate+https://<mirror>/debian', enabled: true },
      { line: 3, oldUri: 'https://<security>/debian-security', newUri: 'reprogate+https://<security>/debian-security', enabled: true },
    ]);
    const disabled = rewriteOneLine(enabled.text, 'disable');
    expect(disabled.text).toBe(text);
    expect(disabled.changes.map((c) => [c.oldUri, c.newUri])).toEqual(enabled.changes.map((c) => [c.newUri, c.oldUri]));
  });

  it('keeps options in brackets byte for byte, including odd spacing and "#" inside them', () => {
    const line = 'deb [ arch=amd64,i386   signed-by=/usr/share/keyrings/a#b.gpg ]  http://<mirror>/debian  bookworm\tmain';
    expect(enable(line)).toBe(line.replace(' http://', ' reprogate+http://'));
    expect(enable('deb [arch=amd64] https://h/ s c')).toBe('deb [arch=amd64] reprogate+https://h/ s c');
    // apt accepts "]" glued to the last option.
    expect(enable('deb [arch=amd64 trusted=yes]   http://h/ s c')).toBe('deb [arch=amd64 trusted=yes]   reprogate+http://h/ s c');
  });

  it('never touches comments, commented-out entries or trailing comments', () => {
    const text = '# deb http://h/ s c\n   #deb https://h/ s c\ndeb http://h/ s c # http://other/ s c\n';
    expect(enable(text)).toBe('# deb http://h/ s c\n   #deb https://h/ s c\ndeb reprogate+http://h/ s c # http://other/ s c\n');
  });

  it('keeps tabs, CRLF line ends, leading blanks and a missing final newline', () => {
    expect(enable('\t deb\thttp://h/\ts\tc \r\ndeb http://h/ s c')).toBe('\t deb\treprogate+http://h/\ts\tc \r\ndeb reprogate+http://h/ s c');
  });

  it('switches a quoted URI inside its quotes and an IPv6 literal', () => {
    expect(enable('deb "http://h/a b" s c')).toBe('deb "reprogate+http://h/a b" s c');
    expect(rewriteOneLine('deb "http://h/a b" s c', 'enable').changes[0]?.oldUri).toBe('http://h/a b');
    expect(enable('deb http://[::1]:3142/debian s c')).toBe('deb reprogate+http://[::1]:3142/debian s c');
  });

  it('accepts an absolute suite without components (flat repository)', () => {
    expect(enable('deb http://h/repo ./')).toBe('deb reprogate+http://h/repo ./');
  });

  it.each(ONE_LINE_ENTRIES)('takes the URI apt takes from %j', (line, uri) => {
    const { changes, kept } = rewriteOneLine(line, 'enable');
    expect([...changes.map((c) => c.oldUri), ...kept.map((k) => k.uri)]).toEqual(uri.startsWith('reprogate+') ? [] : [uri]);
  });

  it('leaves other schemes alone and reports them', () => {
    const text = [
      'deb file:/srv/repo ./',
      'deb cdrom:[Debian 12]/ bookworm main',
      'deb tor+http://h.onion/debian s c',
      'deb mirror+https://h/mirrors.txt s c',
      'deb copy:/srv/repo ./',
      'deb HTTP://h/ s c',
    ].join('\n');
    const result = rewriteOneLine(text, 'enable');
    expect(result.text).toBe(text);
    expect(result.changes).toEqual([]);
    expect(result.kept.map((k) => [k.line, k.scheme])).toEqual([
      [1, 'file'],
      [2, 'cdrom'],
      [3, 'tor+http'],
      [4, 'mirror+https'],
      [5, 'copy'],
      [6, 'HTTP'],
    ]);
  });

  it('is idempotent: enabling an enabled file, or disabling a plain one, changes nothing', () => {
    const enabled = 'deb reprogate+https://h/ s c\ndeb reprogate+http://h/ s c\n';
    expect(rewriteOneLine(enabled, 'enable')).toEqual({ text: enabled, changes: [], kept: [] });
    const plain = 'deb https://h/ s c\n';
    expect(rewriteOneLine(plain, 'disable')).toEqual({ text: plain, changes: [], kept: [] });
  });

  it('refuses an http URI whose scheme it cannot edit in place', () => {
    // apt decodes these to http (apt-oracle.test.ts), so skipping them would leave a source ungated.
    for (const [line] of ONE_LINE_ENCODED_HTTP) expect(codeOf(line)).toBe('SOURCES_UNSUPPORTED');
    // The same forms with another scheme are not ours to change.
    expect(rewriteOneLine('deb %66ile:/srv/repo ./', 'enable').kept[0]?.scheme).toBe('file');
  });

  it.each(ONE_LINE_MALFORMED)('refuses %s (SOURCES_SYNTAX), as apt does', (_what, line) => {
    expect(codeOf(`# fine\n${line}\n`)).toBe('SOURCES_SYNTAX');
  });

  it('names the file and line in a refusal', () => {
    expect(() => rewriteOneLine('deb http://h/ s c\ndeb http://h/\n', 'enable', '/etc/apt/sources.list')).toThrow(
      /^\/etc\/apt\/sources\.list:2: apt would refuse this entry \(no suite\)/,
    );
  });
});
