/**
 * deb822 sources (*.sources): the URIs field, folded or not, in enabled and disabled
 * stanzas; comments and every other field stay byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { rewriteDeb822 } from '../../../src/sources/deb822.js';
import { SourcesError } from '../../../src/sources/errors.js';
import { DEB822_STANZAS } from './corpus.js';

const DEBIAN = `Types: deb deb-src
URIs: http://<mirror>/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

# Security updates
Types: deb
URIs: https://<security>/debian-security
Suites: bookworm-security
Components: main
`;

describe('rewriteDeb822', () => {
  it('switches the URIs of every stanza, and back', () => {
    const enabled = rewriteDeb822(DEBIAN, 'enable');
    expect(enabled.text).toBe(
      DEBIAN.replace('URIs: http://', 'URIs: reprogate+http://').replace('URIs: https://', 'URIs: reprogate+https://'),
    );
    expect(enabled.changes).toEqual([
      { line: 2, oldUri: 'http://<mirror>/debian', newUri: 'reprogate+http://<mirror>/debian', enabled: true },
      { line: 9, oldUri: 'https://<security>/debian-security', newUri: 'reprogate+https://<security>/debian-security', enabled: true },
    ]);
    expect(rewriteDeb822(enabled.text, 'disable').text).toBe(DEBIAN);
  });

  it('switches several URIs on one line and on folded lines, across a comment line', () => {
    const text = 'Types: deb\nURIs:  http://a/  https://b/\tfile:/c\n# a comment inside the field\n  https://d/\n\thttp://e/ \nSuites: s\nComponents: c\n';
    const result = rewriteDeb822(text, 'enable');
    expect(result.text).toBe(
      'Types: deb\nURIs:  reprogate+http://a/  reprogate+https://b/\tfile:/c\n# a comment inside the field\n  reprogate+https://d/\n\treprogate+http://e/ \nSuites: s\nComponents: c\n',
    );
    expect(result.changes.map((c) => [c.line, c.oldUri])).toEqual([
      [2, 'http://a/'],
      [2, 'https://b/'],
      [4, 'https://d/'],
      [5, 'http://e/'],
    ]);
    expect(result.kept).toEqual([{ line: 2, uri: 'file:/c', scheme: 'file', enabled: true }]);
  });

  it('accepts a value that starts on the next line, any case of the field name, CRLF', () => {
    expect(rewriteDeb822('Types: deb\r\nuris:\r\n http://a/\r\nSuites: s\r\nComponents: c\r\n', 'enable').text).toBe(
      'Types: deb\r\nuris:\r\n reprogate+http://a/\r\nSuites: s\r\nComponents: c\r\n',
    );
    expect(rewriteDeb822('URIS : http://a/\n', 'enable').text).toBe('URIS : reprogate+http://a/\n');
  });

  it.each(DEB822_STANZAS)('takes the URIs apt takes from %j', (stanza, uris, enabled) => {
    const { changes, kept } = rewriteDeb822(`${stanza}\n`, 'enable');
    const found = [...changes.map((c) => [c.line, c.oldUri, c.enabled]), ...kept.map((k) => [k.line, k.uri, k.enabled])];
    expect(found.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, uri, on]) => [uri, on])).toEqual(uris.map((u) => [u, enabled]));
  });

  it('switches Enabled: no stanzas too, and says so', () => {
    const text = 'Enabled: no\nTypes: deb\nURIs: http://a/\nSuites: s\nComponents: c\n\nTypes: deb\nURIs: http://b/\nSuites: s\nComponents: c\nEnabled: yes\n';
    const result = rewriteDeb822(text, 'enable');
    expect(result.changes.map((c) => [c.oldUri, c.enabled])).toEqual([
      ['http://a/', false],
      ['http://b/', true],
    ]);
  });

  it.each([
    ['no', false],
    ['No', false],
    ['false', false],
    ['0', false],
    ['off', false],
    ['yes', true],
    ['1', true],
    ['', true],
    ['maybe', true],
  ])('reads Enabled: %j as apt does (enabled: %s)', (value, enabled) => {
    const [change] = rewriteDeb822(`Types: deb\nURIs: http://a/\nEnabled: ${value}\nSuites: s\nComponents: c\n`, 'enable').changes;
    expect(change?.enabled).toBe(enabled);
  });

  it('takes the last Enabled field of a stanza, as apt does', () => {
    const [change] = rewriteDeb822('Enabled: no\nURIs: http://a/\nEnabled: yes\n', 'enable').changes;
    expect(change?.enabled).toBe(true);
  });

  it('never touches commented-out stanzas, other fields, or a URI-like value elsewhere', () => {
    const text = '#Types: deb\n#URIs: http://a/\n\nTypes: deb\nX-Repolib-Name: http://not-a-source/\nURIs: file:/srv\nSuites: ./\n';
    expect(rewriteDeb822(text, 'enable')).toEqual({ text, changes: [], kept: [{ line: 6, uri: 'file:/srv', scheme: 'file', enabled: true }] });
  });

  it('keeps an embedded Signed-By key block byte for byte', () => {
    const text = 'Types: deb\nURIs: https://a/\nSuites: s\nComponents: c\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mDMEZ http://x/\n -----END PGP PUBLIC KEY BLOCK-----\n';
    expect(rewriteDeb822(text, 'enable').text).toBe(text.replace('URIs: https://', 'URIs: reprogate+https://'));
  });

  it('is idempotent', () => {
    const once = rewriteDeb822(DEBIAN, 'enable').text;
    expect(rewriteDeb822(once, 'enable')).toEqual({ text: once, changes: [], kept: [] });
  });

  it('refuses a field line without a colon and a URI without a scheme (SOURCES_SYNTAX)', () => {
    for (const text of ['Types: deb\nURIs\n', 'Types: deb\nURIs: /srv/repo\n']) {
      expect(() => rewriteDeb822(text, 'enable', 'x.sources')).toThrow(SourcesError);
      try {
        rewriteDeb822(text, 'enable', 'x.sources');
      } catch (e) {
        expect((e as SourcesError).code).toBe('SOURCES_SYNTAX');
        expect((e as Error).message).toMatch(/^x\.sources:2: /);
      }
    }
  });

  it('lets a disabled stanza keep a URI apt would refuse (apt never reads it)', () => {
    expect(rewriteDeb822('Enabled: no\nURIs: /srv/repo http://a/\n', 'enable').changes).toHaveLength(1);
  });
});
