/**
 * Adding a rebuilder to a policy's text: the new entry and nothing else changes,
 * whatever style the list is written in, and a name, URL or layout we cannot
 * handle is refused with a code rather than written.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addRebuilderToPolicy, renderEntry, type NewRebuilder } from '../../../src/cli/policy-edit.js';
import { parsePolicy } from '../../../src/policy/index.js';

const FILE = '/etc/reprogate/policy.yaml';
const shipped = readFileSync(fileURLToPath(new URL('../../../debian/policy.yaml', import.meta.url)), 'utf8');
const entry: NewRebuilder = { name: 'evolix', type: 'rebuilderd', url: 'https://rebuilder.example/amd64/', keys: ['keys/evolix.pem'] };

/** The text with `insert` at the first position where the two differ: proves nothing else moved. */
function insertion(before: string, after: string): { at: number; text: string } {
  let at = 0;
  while (at < before.length && before[at] === after[at]) at++;
  const text = after.slice(at, at + after.length - before.length);
  expect(after).toBe(before.slice(0, at) + text + before.slice(at));
  return { at, text };
}

describe('addRebuilderToPolicy', () => {
  it('appends a block entry to the shipped policy in its own style, every other byte kept', () => {
    const after = addRebuilderToPolicy(shipped, FILE, entry);
    const { text } = insertion(shipped, after);
    expect(after.endsWith(text)).toBe(true);
    expect(text).toBe('  - name: evolix\n    type: rebuilderd\n    url: https://rebuilder.example/amd64/\n    keys: [keys/evolix.pem]\n');
    const doc = parsePolicy(after, FILE);
    expect(doc.rebuilders.map((r) => [r.name, r.operator])).toEqual([['debian-all', 'debian'], ['debian-amd64', 'debian'], ['evolix', 'evolix']]);
    expect(doc.rebuilders[2]?.keys.map((k) => k.file)).toEqual(['/etc/reprogate/keys/evolix.pem']);
  });

  it('writes the operator only when given, and several key files', () => {
    const after = addRebuilderToPolicy(shipped, FILE, { ...entry, operator: 'evolix-org', keys: ['keys/evolix.pem', 'keys/evolix.2.pem'] });
    expect(insertion(shipped, after).text).toBe(
      '  - name: evolix\n    operator: evolix-org\n    type: rebuilderd\n    url: https://rebuilder.example/amd64/\n    keys: [keys/evolix.pem, keys/evolix.2.pem]\n',
    );
  });

  it('inserts before what follows the list: comments and rules stay where they were', () => {
    const text = [
      'version: 1',
      'threshold: 1',
      'rebuilders:   # who we ask',
      '',
      '    # the first one',
      '    - name: a',
      '      type: rebuilderd',
      '      url: "https://a.example/"    # quoted on purpose',
      '      keys: [ keys/a.pem ]  # pinned 2026-01-01',
      '# rules follow',
      'rules:',
      '  - match: { package: "linux-*" }',
      '    exempt: { reason: "kernels", until: 2027-06-30 }',
      '',
    ].join('\n');
    const after = addRebuilderToPolicy(text, FILE, entry);
    const { at, text: added } = insertion(text, after);
    expect(text.slice(at)).toMatch(/^# rules follow/);
    expect(added).toBe('    - name: evolix\n      type: rebuilderd\n      url: https://rebuilder.example/amd64/\n      keys: [ keys/evolix.pem ]\n');
    expect(parsePolicy(after, FILE).rules).toHaveLength(1);
  });

  it('adds a flow map after flow-map items (padded as they are), and into a flow list', () => {
    const flowItems = 'version: 1\nthreshold: 1\nrebuilders:\n- { name: a, type: rebuilderd, url: "https://a.example/", keys: [keys/a.pem] } # a\n';
    expect(insertion(flowItems, addRebuilderToPolicy(flowItems, FILE, entry)).text).toBe(
      '- { name: evolix, type: rebuilderd, url: https://rebuilder.example/amd64/, keys: [ keys/evolix.pem ] }\n',
    );
    const flowList = 'version: 1\nthreshold: 1\nrebuilders: [ { name: a, type: rebuilderd, url: "https://a.example/", keys: [ keys/a.pem ] } ]\n';
    expect(insertion(flowList, addRebuilderToPolicy(flowList, FILE, entry)).text).toBe(
      ', { name: evolix, type: rebuilderd, url: https://rebuilder.example/amd64/, keys: [ keys/evolix.pem ] }',
    );
  });

  it('keeps CRLF line ends, and starts a new line at the end of a file without a final newline', () => {
    const crlf = shipped.replace(/\n/g, '\r\n');
    const after = addRebuilderToPolicy(crlf, FILE, entry);
    expect(insertion(crlf, after).text).toBe('  - name: evolix\r\n    type: rebuilderd\r\n    url: https://rebuilder.example/amd64/\r\n    keys: [keys/evolix.pem]\r\n');
    const unterminated = shipped.trimEnd();
    const added = addRebuilderToPolicy(unterminated, FILE, entry);
    expect(added.startsWith(unterminated + '\n  - name: evolix\n')).toBe(true);
    expect(parsePolicy(added, FILE).rebuilders).toHaveLength(3);
  });

  it('refuses, with the entry to add by hand, a list it cannot extend without rewriting the file', () => {
    const complexKey = 'version: 1\nthreshold: 1\n? rebuilders\n: - name: a\n    type: rebuilderd\n    url: https://a.example/\n    keys: [keys/a.pem]\n';
    expect(parsePolicy(complexKey, FILE).rebuilders).toHaveLength(1);
    expect(() => addRebuilderToPolicy(complexKey, FILE, entry)).toThrow(
      expect.objectContaining({ code: 'POLICY_EDIT_LAYOUT', message: expect.stringContaining('{name: evolix, type: rebuilderd, url: https://rebuilder.example/amd64/, keys: [keys/evolix.pem]}') }),
    );
  });

  it('refuses a name the policy already has, with the code scripts check', () => {
    expect(() => addRebuilderToPolicy(shipped, FILE, { ...entry, name: 'debian-amd64' })).toThrow(
      expect.objectContaining({ code: 'POLICY_EDIT_NAME_TAKEN', message: expect.stringContaining('already has a rebuilder named debian-amd64') }),
    );
  });

  it.each([
    ['a name that could leave the keys folder', { name: '../../etc/evil' }, 'rebuilders[2].name'],
    ['an upper-case name', { name: 'Evolix' }, 'rebuilders[2].name'],
    ['an operator with a space', { operator: 'evil corp' }, 'rebuilders[2].operator'],
    ['a URL with credentials', { url: 'https://user:pw@rebuilder.example/' }, 'rebuilders[2].url'],
    ['a URL that is not http(s)', { url: 'ftp://rebuilder.example/' }, 'rebuilders[2].url'],
  ])('refuses %s in the policy’s own words', (_what, change, path) => {
    expect(() => addRebuilderToPolicy(shipped, FILE, { ...entry, ...change })).toThrow(expect.objectContaining({ code: 'POLICY_VALUE', path }));
  });

  it('refuses a policy that does not parse before yaml builds a document of it (deep nesting crashes yaml)', () => {
    const deep = `version: 1\nthreshold: 1\nrebuilders: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(() => addRebuilderToPolicy(deep, FILE, entry)).toThrow(expect.objectContaining({ code: 'POLICY_SYNTAX' }));
    expect(() => addRebuilderToPolicy('version: 1\nthreshold: 1\nrebuilders: []\n', FILE, entry)).toThrow(expect.objectContaining({ code: 'POLICY_VALUE' }));
  });

  it('property: for any acceptable name and operator the result is the old policy plus exactly that rebuilder', () => {
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/).filter((n) => !n.startsWith('debian-a'));
    fc.assert(
      fc.property(token, fc.option(token, { nil: undefined }), fc.constantFrom(shipped, shipped.replace(/\[(\S+)\]/g, '[ $1 ]')), (name, operator, text) => {
        const after = addRebuilderToPolicy(text, FILE, { ...entry, name, operator, keys: [`keys/${name}.pem`] });
        insertion(text, after);
        const added = parsePolicy(after, FILE).rebuilders.at(-1);
        expect(added).toMatchObject({ name, operator: operator ?? name, url: entry.url, keys: [expect.objectContaining({ file: `/etc/reprogate/keys/${name}.pem` })] });
      }),
      { numRuns: 200 },
    );
  });
});

describe('renderEntry', () => {
  it('quotes what YAML would misread', () => {
    expect(renderEntry({ ...entry, name: '1.0', url: 'https://h.example/a#b' }, true, false)).toBe(
      '{name: "1.0", type: rebuilderd, url: https://h.example/a#b, keys: [keys/evolix.pem]}',
    );
  });
});
