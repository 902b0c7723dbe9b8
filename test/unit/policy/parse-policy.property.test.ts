import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { POLICY_FIELDS, PolicyError, parsePolicy } from '../../../src/policy/index.js';
import { EXAMPLE_POLICY } from './helpers.js';

/** parsePolicy either returns or throws a PolicyError: never a TypeError, RangeError or yaml's own error. */
function parsesOrRefusesWithCode(text: string): void {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    expect(e.message.startsWith('policy.yaml:')).toBe(true);
    if (e.line !== undefined) expect(e.line).toBeGreaterThanOrEqual(1);
  }
}

const FIELD_NAMES = [...new Set(Object.values(POLICY_FIELDS).flat())];
const YAMLISH = [...'abcdez019 :-[]{},&*!|>\'"#%@`?\n\t.\\/<~', 'version', 'threshold', '---', '<<', '\r\n', '\u2028', '\uFEFF'];

/** Values a policy author (or an attacker) might put anywhere. */
const scalar = fc.oneof(
  fc.constantFrom('enforce', 'audit', 'refuse', 'rebuilderd', 'directory', 'https://a.example/', '2027-06-30', 'k.pem', 'alpha', '*'),
  fc.string(),
  fc.integer({ min: -3, max: 5 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const yamlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string()), tie('value'), { maxKeys: 6 }),
})).value;

describe('parsePolicy properties', () => {
  it('never throws an untyped error on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), parsesOrRefusesWithCode), { numRuns: 500 });
  });

  it('never throws an untyped error on YAML-ish text', () => {
    const yamlish = fc.array(fc.constantFrom(...YAMLISH), { maxLength: 120 }).map((parts) => parts.join(''));
    fc.assert(fc.property(yamlish, parsesOrRefusesWithCode), { numRuns: 1000 });
  });

  it('never throws an untyped error on arbitrary YAML documents with policy-like fields', () => {
    const top = fc.record(
      {
        version: fc.oneof(fc.constant(1), scalar),
        threshold: fc.oneof(fc.integer({ min: 0, max: 3 }), scalar),
        mode: scalar,
        'on-conflict': scalar,
        rebuilders: yamlValue,
        rules: yamlValue,
        'trust-root': yamlValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.oneof(top, yamlValue), (value) => parsesOrRefusesWithCode(stringify(value))), { numRuns: 500 });
  });

  it('never throws an untyped error on the example policy with a line dropped, repeated or mangled', () => {
    const rows = EXAMPLE_POLICY.split('\n');
    const mutated = fc.tuple(fc.nat({ max: rows.length - 1 }), fc.constantFrom('drop', 'repeat', 'mangle', 'indent'), fc.string({ maxLength: 8 })).map(
      ([at, how, junk]) => {
        const copy = [...rows];
        const row = copy[at] ?? '';
        if (how === 'drop') copy.splice(at, 1);
        if (how === 'repeat') copy.splice(at, 0, row);
        if (how === 'mangle') copy[at] = row.slice(0, junk.length) + junk + row.slice(junk.length * 2);
        if (how === 'indent') copy[at] = ` ${row}`;
        return copy.join('\n');
      },
    );
    fc.assert(fc.property(mutated, parsesOrRefusesWithCode), { numRuns: 500 });
  });

  it('reads back every well-formed policy as written', () => {
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
    const rebuilders = fc.uniqueArray(
      fc.record({ name: token, operator: fc.option(token, { nil: undefined }), type: fc.constantFrom('rebuilderd', 'sources'), key: token }),
      { minLength: 1, maxLength: 5, selector: (r) => r.name },
    );
    const policy = rebuilders.chain((list) => {
      const operators = new Set(list.map((r) => r.operator ?? r.name)).size;
      return fc.record({ list: fc.constant(list), threshold: fc.integer({ min: 1, max: operators }), mode: fc.constantFrom('enforce', 'audit') });
    });
    fc.assert(
      fc.property(policy, ({ list, threshold, mode }) => {
        const text = stringify({
          version: 1,
          mode,
          threshold,
          rebuilders: list.map((r) => ({
            name: r.name,
            ...(r.operator === undefined ? {} : { operator: r.operator }),
            type: r.type,
            url: `https://${r.name}.example/`,
            keys: [`keys/${r.key}.pem`],
          })),
        });
        const doc = parsePolicy(text, '/etc/reprogate/policy.yaml');
        expect(doc.threshold).toBe(threshold);
        expect(doc.mode).toBe(mode);
        expect(doc.rebuilders.map((r) => [r.name, r.operator, r.keys[0]!.file])).toEqual(
          list.map((r) => [r.name, r.operator ?? r.name, `/etc/reprogate/keys/${r.key}.pem`]),
        );
      }),
      { numRuns: 200 },
    );
  });
});
