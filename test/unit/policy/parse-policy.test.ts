import { describe, expect, it } from 'vitest';

import { parsePolicy, type PolicyErrorCode } from '../../../src/policy/index.js';
import { EXAMPLE_POLICY, POLICY_FILE, policyError } from './helpers.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** One valid rebuilder; cases append fields or rules after it. */
const HEAD = [
  'version: 1', //                        1
  'threshold: 1', //                      2
  'rebuilders:', //                       3
  '  - name: alpha', //                   4
  '    type: rebuilderd', //              5
  '    url: https://alpha.example/', //   6
  '    keys: [keys/alpha.pem]', //        7
];

describe('parsePolicy', () => {
  describe('a valid policy', () => {
    it('reads the example from the design document', () => {
      const doc = parsePolicy(EXAMPLE_POLICY, POLICY_FILE);
      expect(doc).toMatchObject({
        file: POLICY_FILE,
        mode: 'enforce',
        threshold: 2,
        onConflict: 'refuse',
        trustRoot: undefined,
        rebuilders: [
          {
            name: 'debian-amd64',
            operator: 'debian',
            type: 'rebuilderd',
            url: 'https://rebuilder.example/amd64/',
            keys: [{ file: '/etc/reprogate/keys/debian-amd64.pem', path: 'rebuilders[0].keys[0]', line: 10 }],
          },
          {
            name: 'notset',
            operator: 'notset',
            type: 'sources',
            url: 'https://rebuilder2.example/debian',
            keys: [{ file: '/etc/reprogate/keys/notset.asc', path: 'rebuilders[1].keys[0]', line: 14 }],
          },
        ],
        rules: [
          {
            index: 0,
            line: 16,
            match: { package: 'linux-image-*', origin: undefined },
            threshold: undefined,
            rebuilders: undefined,
            exempt: { reason: 'kernel images are not reproducible yet', until: '2027-06-30' },
          },
          {
            index: 1,
            line: 18,
            match: { package: undefined, origin: 'qubes-repo.example' },
            threshold: 1,
            rebuilders: ['notset'],
            exempt: undefined,
          },
        ],
      });
      expect(doc.lines.get('rules[1].threshold')).toBe(19);
    });

    it('defaults mode to enforce, on-conflict to refuse, operator to the name, rules to none', () => {
      const doc = parsePolicy(lines(...HEAD), POLICY_FILE);
      expect(doc.mode).toBe('enforce');
      expect(doc.onConflict).toBe('refuse');
      expect(doc.rebuilders[0]!.operator).toBe('alpha');
      expect(doc.rules).toEqual([]);
    });

    it('accepts audit mode, on-conflict ignore and an empty rules list', () => {
      const doc = parsePolicy(lines(...HEAD, 'mode: audit', 'on-conflict: ignore', 'rules: []'), POLICY_FILE);
      expect(doc.mode).toBe('audit');
      expect(doc.onConflict).toBe('ignore');
      expect(doc.rules).toEqual([]);
    });

    it('resolves key paths against the policy file, keeps absolute ones, and never uses the working directory', () => {
      const text = lines(...HEAD.slice(0, 6), '    keys: [a.pem, ../shared/b.pem, /opt/keys/c.pem]');
      expect(parsePolicy(text, '/etc/reprogate/policy.yaml').rebuilders[0]!.keys.map((k) => k.file)).toEqual([
        '/etc/reprogate/a.pem',
        '/etc/shared/b.pem',
        '/opt/keys/c.pem',
      ]);
      expect(parsePolicy(text, 'policy.yaml').rebuilders[0]!.keys.map((k) => k.file)).toEqual([
        'a.pem',
        '../shared/b.pem',
        '/opt/keys/c.pem',
      ]);
    });

    it('reads a directory rebuilder as a folder relative to the policy file', () => {
      const text = lines(...HEAD.slice(0, 4), '    type: directory', '    url: bundle/attestations', '    keys: [k.pem]');
      expect(parsePolicy(text, '/srv/build/policy.yaml').rebuilders[0]).toMatchObject({
        type: 'directory',
        directory: '/srv/build/bundle/attestations',
      });
    });

    it('accepts quoted strings, comments and a byte-order mark', () => {
      const text = `\uFEFF${lines('# policy', 'version: 1', 'threshold: 1', 'rebuilders:', '  - "name": \'alpha\'', '    type: "rebuilderd"', '    url: https://alpha.example/ # main', '    keys: ["k.pem"]')}`;
      expect(parsePolicy(text, POLICY_FILE).rebuilders[0]!.name).toBe('alpha');
    });

    it('normalises an origin to its canonical host', () => {
      const text = lines(...HEAD, 'rules:', '  - match: { origin: Deb.Example.ORG. }', '    threshold: 1');
      expect(parsePolicy(text, POLICY_FILE).rules[0]!.match.origin).toBe('deb.example.org');
    });

    it('accepts a trust root instead of a threshold', () => {
      const text = lines(
        'version: 1',
        'trust-root:',
        '  layout: root.layout',
        '  keys: [owner.pub]',
        ...HEAD.slice(2),
      );
      const doc = parsePolicy(text, '/etc/reprogate/policy.yaml');
      expect(doc.threshold).toBeUndefined();
      expect(doc.trustRoot).toEqual({
        layout: { file: '/etc/reprogate/root.layout', path: 'trust-root.layout', line: 3 },
        keys: [{ file: '/etc/reprogate/owner.pub', path: 'trust-root.keys[0]', line: 4 }],
      });
    });
  });

  // Every complaint names the field path and the line, so the admin can go straight there.
  describe('field errors', () => {
    const cases: [string, string, PolicyErrorCode, string | undefined, number][] = [
      ['an empty file', '', 'POLICY_TYPE', undefined, 1],
      ['a list at the top', lines('- version: 1'), 'POLICY_TYPE', undefined, 1],
      ['a missing version', lines(...HEAD.slice(1)), 'POLICY_MISSING', 'version', 1],
      ['version 2', lines('version: 2', ...HEAD.slice(1)), 'POLICY_VALUE', 'version', 1],
      ['version as text', lines('version: "1"', ...HEAD.slice(1)), 'POLICY_TYPE', 'version', 1],
      ['a missing threshold', lines(HEAD[0]!, ...HEAD.slice(2)), 'POLICY_MISSING', 'threshold', 1],
      ['threshold 0', lines(HEAD[0]!, 'threshold: 0', ...HEAD.slice(2)), 'POLICY_VALUE', 'threshold', 2],
      ['a negative threshold', lines(HEAD[0]!, 'threshold: -1', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a fractional threshold', lines(HEAD[0]!, 'threshold: 1.5', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a threshold written 1.0', lines(HEAD[0]!, 'threshold: 1.0', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a hexadecimal threshold', lines(HEAD[0]!, 'threshold: 0x1', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a quoted threshold', lines(HEAD[0]!, 'threshold: "1"', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a threshold of true', lines(HEAD[0]!, 'threshold: true', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['an empty threshold', lines(HEAD[0]!, 'threshold:', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['a huge threshold', lines(HEAD[0]!, 'threshold: 99999999999999999999', ...HEAD.slice(2)), 'POLICY_TYPE', 'threshold', 2],
      ['an unknown mode', lines(...HEAD, 'mode: warn'), 'POLICY_VALUE', 'mode', 8],
      ['a mode that is a list', lines(...HEAD, 'mode: [enforce]'), 'POLICY_TYPE', 'mode', 8],
      ['mode false', lines(...HEAD, 'mode: false'), 'POLICY_TYPE', 'mode', 8],
      ['an unknown on-conflict', lines(...HEAD, 'on-conflict: warn'), 'POLICY_VALUE', 'on-conflict', 8],
      ['rebuilders missing', lines('version: 1', 'threshold: 1'), 'POLICY_MISSING', 'rebuilders', 1],
      ['rebuilders empty', lines('version: 1', 'threshold: 1', 'rebuilders: []'), 'POLICY_VALUE', 'rebuilders', 3],
      ['rebuilders a mapping', lines('version: 1', 'threshold: 1', 'rebuilders: { name: a }'), 'POLICY_TYPE', 'rebuilders', 3],
      ['a rebuilder that is text', lines('version: 1', 'threshold: 1', 'rebuilders:', '  - alpha'), 'POLICY_TYPE', 'rebuilders[0]', 4],
      ['a rebuilder without a name', lines(...HEAD.slice(0, 3), '  - type: rebuilderd', '    url: https://a.example/', '    keys: [k]'), 'POLICY_MISSING', 'rebuilders[0].name', 4],
      ['an upper-case name', lines(...HEAD.slice(0, 3), '  - name: Alpha', ...HEAD.slice(4)), 'POLICY_VALUE', 'rebuilders[0].name', 4],
      ['a name with a slash', lines(...HEAD.slice(0, 3), '  - name: ../etc', ...HEAD.slice(4)), 'POLICY_VALUE', 'rebuilders[0].name', 4],
      ['a name starting with a dot', lines(...HEAD.slice(0, 3), '  - name: .hidden', ...HEAD.slice(4)), 'POLICY_VALUE', 'rebuilders[0].name', 4],
      ['a name that is a number', lines(...HEAD.slice(0, 3), '  - name: 42', ...HEAD.slice(4)), 'POLICY_TYPE', 'rebuilders[0].name', 4],
      ['a 65-character name', lines(...HEAD.slice(0, 3), `  - name: ${'a'.repeat(65)}`, ...HEAD.slice(4)), 'POLICY_VALUE', 'rebuilders[0].name', 4],
      ['a bad operator', lines(...HEAD, '    operator: Debian Project').replace('threshold: 1', 'threshold: 1'), 'POLICY_VALUE', 'rebuilders[0].operator', 8],
      ['a missing type', lines(...HEAD.slice(0, 4), ...HEAD.slice(5)), 'POLICY_MISSING', 'rebuilders[0].type', 4],
      ['an unknown type', lines(...HEAD.slice(0, 4), '    type: rebuilder', ...HEAD.slice(5)), 'POLICY_VALUE', 'rebuilders[0].type', 5],
      ['a missing url', lines(...HEAD.slice(0, 5), HEAD[6]!), 'POLICY_MISSING', 'rebuilders[0].url', 4],
      ['a url that is not one', lines(...HEAD.slice(0, 5), '    url: not a url', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['an ftp url', lines(...HEAD.slice(0, 5), '    url: ftp://alpha.example/', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['a url with credentials', lines(...HEAD.slice(0, 5), '    url: https://me:pw@alpha.example/', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['a url with a query', lines(...HEAD.slice(0, 5), '    url: https://alpha.example/?x=1', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['a url with a fragment', lines(...HEAD.slice(0, 5), '    url: https://alpha.example/#top', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['a directory given as a URL', lines(...HEAD.slice(0, 4), '    type: directory', '    url: https://alpha.example/', HEAD[6]!), 'POLICY_VALUE', 'rebuilders[0].url', 6],
      ['missing keys', lines(...HEAD.slice(0, 6)), 'POLICY_MISSING', 'rebuilders[0].keys', 4],
      ['empty keys', lines(...HEAD.slice(0, 6), '    keys: []'), 'POLICY_VALUE', 'rebuilders[0].keys', 7],
      ['keys as one string', lines(...HEAD.slice(0, 6), '    keys: keys/alpha.pem'), 'POLICY_TYPE', 'rebuilders[0].keys', 7],
      ['a key that is a mapping', lines(...HEAD.slice(0, 6), '    keys:', '      - file: a.pem'), 'POLICY_TYPE', 'rebuilders[0].keys[0]', 8],
      ['a key that is a number', lines(...HEAD.slice(0, 6), '    keys:', '      - a.pem', '      - 7'), 'POLICY_TYPE', 'rebuilders[0].keys[1]', 9],
      ['an empty key path', lines(...HEAD.slice(0, 6), '    keys: ["  "]'), 'POLICY_VALUE', 'rebuilders[0].keys[0]', 7],
      ['a key path with a line break', lines(...HEAD.slice(0, 6), '    keys: ["a\\nb.pem"]'), 'POLICY_VALUE', 'rebuilders[0].keys[0]', 7],
      ['the same key file twice', lines(...HEAD.slice(0, 6), '    keys: [a.pem, ./a.pem]'), 'POLICY_VALUE', 'rebuilders[0].keys[1]', 7],
      ['a duplicate rebuilder name', lines(...HEAD, '  - name: alpha', '    type: sources', '    url: https://b.example/', '    keys: [b.pem]'), 'POLICY_VALUE', 'rebuilders[1].name', 8],
      ['rules as a mapping', lines(...HEAD, 'rules: { match: x }'), 'POLICY_TYPE', 'rules', 8],
      ['a rule without match', lines(...HEAD, 'rules:', '  - threshold: 1'), 'POLICY_MISSING', 'rules[0].match', 9],
      ['an empty match', lines(...HEAD, 'rules:', '  - match: {}'), 'POLICY_MISSING', 'rules[0].match', 9],
      ['match as text', lines(...HEAD, 'rules:', '  - match: linux-*'), 'POLICY_TYPE', 'rules[0].match', 9],
      ['a package glob with brackets', lines(...HEAD, 'rules:', '  - match: { package: "linux-[0-9]*" }'), 'POLICY_VALUE', 'rules[0].match.package', 9],
      ['an upper-case package', lines(...HEAD, 'rules:', '  - match: { package: Bash }'), 'POLICY_VALUE', 'rules[0].match.package', 9],
      ['an origin that is a URL', lines(...HEAD, 'rules:', '  - match: { origin: "https://deb.example/" }'), 'POLICY_VALUE', 'rules[0].match.origin', 9],
      ['an origin with a port', lines(...HEAD, 'rules:', '  - match: { origin: "deb.example:8080" }'), 'POLICY_VALUE', 'rules[0].match.origin', 9],
      ['an origin that is not a host', lines(...HEAD, 'rules:', '  - match: { origin: "[::1" }'), 'POLICY_VALUE', 'rules[0].match.origin', 9],
      ['an origin with a wildcard', lines(...HEAD, 'rules:', '  - match: { origin: "*.example" }'), 'POLICY_VALUE', 'rules[0].match.origin', 9],
      ['a rule threshold of 0', lines(...HEAD, 'rules:', '  - match: { package: a }', '    threshold: 0'), 'POLICY_VALUE', 'rules[0].threshold', 10],
      ['rule rebuilders as text', lines(...HEAD, 'rules:', '  - match: { package: a }', '    rebuilders: alpha'), 'POLICY_TYPE', 'rules[0].rebuilders', 10],
      ['rule rebuilders empty', lines(...HEAD, 'rules:', '  - match: { package: a }', '    rebuilders: []'), 'POLICY_VALUE', 'rules[0].rebuilders', 10],
      ['an unknown rebuilder in a rule', lines(...HEAD, 'rules:', '  - match: { package: a }', '    rebuilders: [alpha, beta]'), 'POLICY_VALUE', 'rules[0].rebuilders[1]', 10],
      ['a rebuilder listed twice in a rule', lines(...HEAD, 'rules:', '  - match: { package: a }', '    rebuilders:', '      - alpha', '      - alpha'), 'POLICY_VALUE', 'rules[0].rebuilders[1]', 12],
      ['exempt as text', lines(...HEAD, 'rules:', '  - match: { package: a }', '    exempt: yes'), 'POLICY_TYPE', 'rules[0].exempt', 10],
      ['trust-root as text', lines(...HEAD, 'trust-root: root.layout'), 'POLICY_TYPE', 'trust-root', 8],
      ['trust-root without keys', lines(...HEAD, 'trust-root:', '  layout: root.layout'), 'POLICY_MISSING', 'trust-root.keys', 8],
      ['trust-root without layout', lines(...HEAD, 'trust-root:', '  keys: [a.pub]'), 'POLICY_MISSING', 'trust-root.layout', 8],
      ['a non-text field name', lines(...HEAD, '42: x'), 'POLICY_TYPE', undefined, 8],
      ['a list as a field name', lines(...HEAD, '? [a, b]', ': x'), 'POLICY_TYPE', undefined, 8],
    ];

    it.each(cases)('%s', (_name, text, code, path, line) => {
      const error = policyError(() => parsePolicy(text, 'policy.yaml'), code);
      expect({ path: error.path, line: error.line, file: error.file }).toEqual({ path, line, file: 'policy.yaml' });
      expect(error.message.startsWith(`policy.yaml:${line}: ${path === undefined ? '' : `${path}: `}`)).toBe(true);
    });

    it('words a key that is not a path the way the admin thinks of it', () => {
      const error = policyError(() => parsePolicy(lines(...HEAD.slice(0, 6), '    keys: [[a.pem]]'), 'policy.yaml'), 'POLICY_TYPE');
      expect(error.message).toBe('policy.yaml:7: rebuilders[0].keys[0]: expected a file path, found a list');
    });

    it('says which line first used a duplicate rebuilder name', () => {
      const text = lines(...HEAD, '  - name: alpha', '    type: sources', '    url: https://b.example/', '    keys: [b.pem]');
      expect(policyError(() => parsePolicy(text, 'policy.yaml'), 'POLICY_VALUE').message).toContain('already used on line 4');
    });
  });

  describe('unknown fields', () => {
    const typos: [string, string, string, string, number][] = [
      ['treshold at the top', lines(...HEAD, 'treshold: 2'), 'treshold', 'threshold', 8],
      ['on_conflict', lines(...HEAD, 'on_conflict: refuse'), 'on_conflict', 'on-conflict', 8],
      ['Rebuilders', lines('version: 1', 'threshold: 1', 'Rebuilders: []'), 'Rebuilders', 'rebuilders', 3],
      ['trust_root', lines(...HEAD, 'trust_root: {}'), 'trust_root', 'trust-root', 8],
      ['operater in a rebuilder', lines(...HEAD, '    operater: x'), 'rebuilders[0].operater', 'operator', 8],
      ['key instead of keys', lines(...HEAD.slice(0, 6), '    key: [a.pem]'), 'rebuilders[0].key', 'keys', 7],
      ['treshold in a rule', lines(...HEAD, 'rules:', '  - match: { package: a }', '    treshold: 1'), 'rules[0].treshold', 'threshold', 10],
      ['exemption for exempt', lines(...HEAD, 'rules:', '  - match: { package: a }', '    exemption: {}'), 'rules[0].exemption', 'exempt', 10],
      ['packages in a match', lines(...HEAD, 'rules:', '  - match: { packages: a }'), 'rules[0].match.packages', 'package', 9],
      ['untill in an exemption', lines(...HEAD, 'rules:', '  - match: { package: a }', '    exempt: { reason: r, untill: 2027-01-01 }'), 'rules[0].exempt.untill', 'until', 10],
      ['layuot in the trust root', lines(...HEAD, 'trust-root: { layuot: x, keys: [k] }'), 'trust-root.layuot', 'layout', 8],
    ];

    it.each(typos)('%s is an error suggesting the right name', (_name, text, path, suggestion, line) => {
      const error = policyError(() => parsePolicy(text, 'policy.yaml'), 'POLICY_FIELD');
      expect({ path: error.path, line: error.line }).toEqual({ path, line });
      expect(error.message).toContain(`did you mean "${suggestion}"?`);
    });

    it('lists the allowed fields when nothing is close', () => {
      const error = policyError(() => parsePolicy(lines(...HEAD, 'colour: blue'), 'policy.yaml'), 'POLICY_FIELD');
      expect(error.message).toBe(
        'policy.yaml:8: colour: unknown field "colour"; allowed here: version, mode, threshold, on-conflict, rebuilders, rules, trust-root',
      );
    });

    it('suggests the right value for a misspelt mode', () => {
      expect(policyError(() => parsePolicy(lines(...HEAD, 'mode: enforced'), 'p'), 'POLICY_VALUE').message).toContain('did you mean "enforce"?');
    });

    it('reports a newer version before fields it does not know', () => {
      const error = policyError(() => parsePolicy(lines('version: 2', 'threshold: 1', 'sigstore: {}'), 'p'), 'POLICY_VALUE');
      expect(error.path).toBe('version');
    });
  });

  describe('exemptions', () => {
    const rule = (exempt: string): string => lines(...HEAD, 'rules:', '  - match: { package: "linux-image-*" }', `    exempt: ${exempt}`);

    it('needs a reason', () => {
      const error = policyError(() => parsePolicy(rule('{ until: 2027-06-30 }'), 'p'), 'POLICY_MISSING');
      expect([error.path, error.line]).toEqual(['rules[0].exempt.reason', 10]);
    });

    it.each([['""'], ['"   "']])('refuses an empty reason %s', (reason) => {
      const error = policyError(() => parsePolicy(rule(`{ reason: ${reason}, until: 2027-06-30 }`), 'p'), 'POLICY_VALUE');
      expect(error.path).toBe('rules[0].exempt.reason');
    });

    it('refuses a multi-line reason, which would break the one-line apt warning', () => {
      const text = lines(...HEAD, 'rules:', '  - match: { package: a }', '    exempt:', '      reason: |', '        line one', '        line two', '      until: 2027-06-30');
      expect(policyError(() => parsePolicy(text, 'p'), 'POLICY_VALUE').path).toBe('rules[0].exempt.reason');
    });

    it('refuses an overlong reason', () => {
      expect(policyError(() => parsePolicy(rule(`{ reason: "${'x'.repeat(301)}", until: 2027-06-30 }`), 'p'), 'POLICY_VALUE').path).toBe(
        'rules[0].exempt.reason',
      );
    });

    it('needs an until date', () => {
      expect(policyError(() => parsePolicy(rule('{ reason: r }'), 'p'), 'POLICY_MISSING').path).toBe('rules[0].exempt.until');
    });

    it.each([
      ['2027-02-30', 'POLICY_VALUE'],
      ['2027-13-01', 'POLICY_VALUE'],
      ['2027-00-10', 'POLICY_VALUE'],
      ['2026-02-29', 'POLICY_VALUE'],
      ['2027-6-30', 'POLICY_VALUE'],
      ['"2027-06-30T00:00:00Z"', 'POLICY_VALUE'],
      ['30.06.2027', 'POLICY_VALUE'],
      ['"2027-06-30 "', 'POLICY_VALUE'],
      ['20270630', 'POLICY_TYPE'],
      ['~', 'POLICY_TYPE'],
    ] as const)('refuses until: %s', (until, code) => {
      const error = policyError(() => parsePolicy(rule(`{ reason: r, until: ${until} }`), 'p'), code);
      expect([error.path, error.line]).toEqual(['rules[0].exempt.until', 10]);
    });

    it.each([['2028-02-29'], ['"2027-06-30"'], ["'2027-06-30'"], ['2000-01-01']])('accepts until: %s', (until) => {
      expect(parsePolicy(rule(`{ reason: r, until: ${until} }`), 'p').rules[0]!.exempt!.until).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    });

    it('keeps the reason trimmed', () => {
      expect(parsePolicy(rule('{ reason: "  not reproducible yet ", until: 2027-06-30 }'), 'p').rules[0]!.exempt!.reason).toBe('not reproducible yet');
    });
  });

  describe('thresholds that can never be met', () => {
    const second = ['  - name: beta', '    operator: alpha', '    type: sources', '    url: https://beta.example/', '    keys: [beta.pem]'];

    it('refuses a threshold above the number of operators', () => {
      const text = lines('version: 1', 'threshold: 2', ...HEAD.slice(2), ...second);
      const error = policyError(() => parsePolicy(text, 'p'), 'POLICY_THRESHOLD');
      expect([error.path, error.line]).toEqual(['threshold', 2]);
      expect(error.message).toContain('the policy has 1 operator (alpha)');
    });

    it('counts operators, not rebuilders, in a rule', () => {
      const third = ['  - name: gamma', '    type: sources', '    url: https://gamma.example/', '    keys: [gamma.pem]'];
      const text = lines('version: 1', 'threshold: 2', ...HEAD.slice(2), ...second, ...third, 'rules:', '  - match: { package: a }', '    rebuilders: [alpha, beta]');
      const error = policyError(() => parsePolicy(text, 'p'), 'POLICY_THRESHOLD');
      expect([error.path, error.line]).toEqual(['rules[0].rebuilders', 19]);
    });

    it('points at the rule threshold when the rule sets one', () => {
      const text = lines(...HEAD, 'rules:', '  - match: { origin: deb.example }', '    threshold: 3');
      const error = policyError(() => parsePolicy(text, 'p'), 'POLICY_THRESHOLD');
      expect([error.path, error.line]).toEqual(['rules[0].threshold', 10]);
    });

    it('accepts a threshold equal to the number of operators', () => {
      const third = ['  - name: gamma', '    type: sources', '    url: https://gamma.example/', '    keys: [gamma.pem]'];
      expect(parsePolicy(lines('version: 1', 'threshold: 2', ...HEAD.slice(2), ...second, ...third), 'p').threshold).toBe(2);
    });
  });

  describe('YAML it refuses', () => {
    it('refuses duplicate fields, naming both lines', () => {
      const error = policyError(() => parsePolicy(lines(...HEAD, 'threshold: 2'), 'p'), 'POLICY_SYNTAX');
      expect([error.path, error.line]).toEqual(['threshold', 8]);
      expect(error.message).toContain('first on line 2');
    });

    it('refuses duplicate fields inside a rebuilder', () => {
      const error = policyError(() => parsePolicy(lines(...HEAD, '    name: beta'), 'p'), 'POLICY_SYNTAX');
      expect([error.path, error.line]).toEqual(['rebuilders[0].name', 8]);
    });

    it('refuses anchors and aliases', () => {
      const text = lines(...HEAD.slice(0, 6), '    keys: &k [a.pem]', '  - name: beta', '    type: sources', '    url: https://b.example/', '    keys: *k');
      const error = policyError(() => parsePolicy(text, 'p'), 'POLICY_SYNTAX');
      expect(error.line).toBe(7);
      expect(error.message).toContain('anchors');
    });

    it('refuses an alias even when its anchor is missing', () => {
      expect(policyError(() => parsePolicy(lines(...HEAD, 'mode: *m'), 'p'), 'POLICY_SYNTAX').line).toBe(8);
    });

    it('refuses merge keys', () => {
      const text = lines(...HEAD, '  - <<: {type: sources}', '    name: beta', '    url: https://b.example/', '    keys: [b.pem]');
      const error = policyError(() => parsePolicy(text, 'p'), 'POLICY_SYNTAX');
      expect([error.path, error.line]).toEqual(['rebuilders[1].<<', 8]);
    });

    it('refuses a billion-laughs alias bomb quickly, without expanding it', () => {
      const bomb = [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        ...'bcdefghij'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`),
        'version: 1',
      ].join('\n');
      const started = performance.now();
      expect(policyError(() => parsePolicy(bomb, 'p'), 'POLICY_SYNTAX').line).toBe(1);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it.each([['!!str'], ['!!int'], ['!custom'], ['!']])('refuses the tag %s', (tag) => {
      expect(policyError(() => parsePolicy(lines(HEAD[0]!, `threshold: ${tag} 1`, ...HEAD.slice(2)), 'p'), 'POLICY_SYNTAX').line).toBe(2);
    });

    it('refuses a %YAML 1.1 directive, which would change what values mean', () => {
      expect(policyError(() => parsePolicy(`%YAML 1.1\n---\n${lines(...HEAD)}`, 'p'), 'POLICY_SYNTAX').line).toBe(1);
    });

    it('refuses a second document', () => {
      expect(policyError(() => parsePolicy(`${lines(...HEAD)}---\nversion: 1\n`, 'p'), 'POLICY_SYNTAX').line).toBe(8);
    });

    it('reports a syntax error with its line', () => {
      const error = policyError(() => parsePolicy(lines(...HEAD, 'rules: [', ''), 'p'), 'POLICY_SYNTAX');
      expect(error.line).toBeGreaterThanOrEqual(8);
    });

    it('refuses a tab-indented block', () => {
      expect(policyError(() => parsePolicy(lines(...HEAD.slice(0, 6), '\tkeys: [a]'), 'p'), 'POLICY_SYNTAX').line).toBe(7);
    });

    it('refuses input over the size cap before parsing it', () => {
      const huge = `${lines(...HEAD)}# ${'x'.repeat(256 * 1024)}\n`;
      const error = policyError(() => parsePolicy(huge, 'p'), 'POLICY_TOO_LARGE');
      expect(error.line).toBeUndefined();
    });

    // yaml's composer recurses per nesting level; driven into the stack limit after an
    // earlier parse had warmed it up, it aborted Node 20 with a fatal V8 error.
    it('refuses deep nesting before yaml recurses into it', () => {
      policyError(() => parsePolicy(lines('a: 1', 'b:', 'a: 2'), 'p'), 'POLICY_SYNTAX');
      for (const deep of [`a: ${'['.repeat(20_000)}`, `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`, `${'- '.repeat(20_000)}x`, `a: ${'{a: '.repeat(20_000)}`, `a: ${'[{a: '.repeat(64)}`]) {
        const error = policyError(() => parsePolicy(deep, 'p'), 'POLICY_SYNTAX');
        expect(error.message).toContain('nested more than');
      }
    });

    it('reads yes, no, on and off as text (YAML 1.2), so mode: on is an unknown mode, not true', () => {
      expect(policyError(() => parsePolicy(lines(...HEAD, 'mode: on'), 'p'), 'POLICY_VALUE').message).toContain('found "on"');
    });
  });
});
