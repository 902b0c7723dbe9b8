/**
 * Sources lines shared by the unit tests and the test against apt itself
 * (apt-oracle.test.ts), so the unit tests' claims about apt are checked against apt.
 */

/** One-line entries apt reads, each with the URI apt takes from it. */
export const ONE_LINE_ENTRIES: readonly (readonly [line: string, uri: string])[] = [
  ['deb http://a.invalid/debian/ bookworm main contrib', 'http://a.invalid/debian/'],
  // apt merges entries whose URIs differ only in http/https, so each entry has its own host.
  ['deb-src https://a2.invalid/debian/ bookworm main', 'https://a2.invalid/debian/'],
  ['deb [ arch=amd64,i386   signed-by=/usr/share/keyrings/a#b.gpg ]  http://b.invalid/  bookworm\tmain', 'http://b.invalid/'],
  ['deb [arch=amd64 trusted=yes]   https://c.invalid/ s c', 'https://c.invalid/'],
  ['deb "http://d.invalid/a b/" s c', 'http://d.invalid/a b/'],
  ['deb http://[::1]:3142/debian/ s c', 'http://[::1]:3142/debian/'],
  ['\t deb\thttp://e.invalid/\ts\tc \r', 'http://e.invalid/'],
  ['deb http://f.invalid/repo/ ./', 'http://f.invalid/repo/'],
  ['deb http://g.invalid/ s c # http://not-this.invalid/ s c', 'http://g.invalid/'],
  ['deb tor+http://h.invalid/ s c', 'tor+http://h.invalid/'],
  ['deb mirror+https://i.invalid/list.txt/ s c', 'mirror+https://i.invalid/list.txt/'],
  ['deb file:/srv/repo/ ./', 'file:/srv/repo/'],
  ['deb reprogate+https://j.invalid/ s c', 'reprogate+https://j.invalid/'],
];

/** Lines apt refuses; the rewriter must refuse them too (SOURCES_SYNTAX). */
export const ONE_LINE_MALFORMED: readonly (readonly [what: string, line: string])[] = [
  ['a type alone', 'deb'],
  ['an unknown type', 'rpm http://h/ s c'],
  ['no suite', 'deb http://h/'],
  ['no component after a relative suite', 'deb http://h/ stable'],
  ['a component after an absolute suite', 'deb http://h/ ./ main'],
  ['a URI without a scheme', 'deb /srv/repo ./'],
  ['an unclosed option bracket', 'deb [arch=amd64 http://h/ s c'],
  ['an option that is not an assignment', 'deb [trusted] http://h/ s c'],
  ['a one-letter option', 'deb [a=b]http://h/ s c'],
  ['an option without a value', 'deb [arch=] http://h/ s c'],
  ['an option without a key', 'deb [=amd64] http://h/ s c'],
  ['an unclosed quote', 'deb "http://h/ s c'],
];

/** http URIs apt decodes from a quoted or %-escaped scheme (SOURCES_UNSUPPORTED). */
export const ONE_LINE_ENCODED_HTTP: readonly (readonly [line: string, uri: string])[] = [
  ['deb %68ttp://k.invalid/ s c', 'http://k.invalid/'],
  ['deb ht"tp"://l.invalid/ s c', 'http://l.invalid/'],
];

/** deb822 stanzas apt reads, each with the URIs apt takes from it, in order. */
export const DEB822_STANZAS: readonly (readonly [stanza: string, uris: readonly string[], enabled: boolean])[] = [
  ['Types: deb deb-src\nURIs: http://a.invalid/debian/\nSuites: bookworm\nComponents: main', ['http://a.invalid/debian/'], true],
  [
    'Types: deb\nURIs:  http://b.invalid/  https://c.invalid/\tfile:/srv/d/\n# a comment inside the field\n  https://e.invalid/\n\thttp://f.invalid/ \nSuites: s\nComponents: c',
    ['http://b.invalid/', 'https://c.invalid/', 'file:/srv/d/', 'https://e.invalid/', 'http://f.invalid/'],
    true,
  ],
  ['Types: deb\r\nuris:\r\n http://g.invalid/\r\nSuites: s\r\nComponents: c\r', ['http://g.invalid/'], true],
  ['Types: deb\nURIs: http://h.invalid/\nSuites: s\nComponents: c\nEnabled: no', ['http://h.invalid/'], false],
  ['Types: deb\nURIS : https://i.invalid/\nSuites: ./', ['https://i.invalid/'], true],
];
