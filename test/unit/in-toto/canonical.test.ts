import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, InTotoError, parseStrictJson, type JsonValue } from '../../../src/in-toto/index.js';

/** Output bytes produced by securesystemslib 0.26 (research/in-toto-formats.md §1.3). */
const VECTORS: Array<[string, string]> = [
  ['""', '""'],
  ['[1,2,3]', '[1,2,3]'],
  ['[]', '[]'],
  ['{}', '{}'],
  ['{"b":1,"a":[true,false,null]}', '{"a":[true,false,null],"b":1}'],
  ['{"nested":{"z":[{"k":"v"}],"a":{}}}', '{"nested":{"a":{},"z":[{"k":"v"}]}}'],
  ['"tab\\there"', '"tab\there"'],
  ['"nl\\nhere"', '"nl\nhere"'],
  ['"ctl\\u0001x"', '"ctl\u0001x"'],
  ['"quote\\"back\\\\slash"', '"quote\\"back\\\\slash"'],
  ['"café"', '"café"'],
  ['"\\u2028"', '"\u2028"'],
  ['"😀"', '"😀"'],
  ['"del\\u007f"', '"del\u007f"'],
  ['"solidus/"', '"solidus/"'],
  ['{"a":1,"B":2,"_":3,"é":4,"😀":5,"\\uffff":6,"":7}', '{"":7,"B":2,"_":3,"a":1,"é":4,"\uffff":6,"😀":5}'],
  ['-5', '-5'],
  ['0', '0'],
  ['9007199254740991', '9007199254740991'],
  ['-0', '0'],
];

/** Values canonical JSON can encode: integers, no floats. */
const canonicalValue = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('canonicalize', () => {
  it.each(VECTORS)('%s encodes as securesystemslib does', (input, output) => {
    expect(canonicalize(parseStrictJson(input)).equals(Buffer.from(output, 'utf8'))).toBe(true);
  });

  it('sorts U+FFFF before U+1F600 (code point order, not UTF-16 order)', () => {
    expect(canonicalize({ '😀': 1, '\uffff': 2 }).toString()).toBe('{"\uffff":2,"😀":1}');
  });

  it.each([[1.5], [NaN], [Infinity], [2 ** 64], ['\ud800'], [{ ['\udc00']: 1 }]] as JsonValue[][])('refuses %j', (value) => {
    expect(() => canonicalize(value)).toThrow(InTotoError);
  });

  it('is idempotent through the strict parser for strings without control characters', () => {
    const noControl = canonicalValue.filter((v) => !/[\u0000-\u001f]/.test(JSON.stringify(v) ?? ''));
    fc.assert(
      fc.property(noControl, (v) => {
        const once = canonicalize(parseStrictJson(JSON.stringify(v)));
        const twice = canonicalize(parseStrictJson(once));
        expect(twice.equals(once)).toBe(true);
        expect(JSON.parse(once.toString())).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 1000 },
    );
  });

  it('puts the empty key before an integer-like one (which a JavaScript object lists first)', () => {
    expect(canonicalize({ '0': 0, '': 0 }).toString()).toBe('{"":0,"0":0}');
    expect(keysInOrder('{"":0,"0":0,"a\\"b":1}')).toEqual(['', '0', 'a"b']);
  });

  it('orders object keys by their UTF-8 bytes whatever the insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.integer()), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalize(reversed).equals(canonicalize(dict))).toBe(true);
        // Read the keys off the text: an object built by JSON.parse lists integer-like keys first.
        const keys = keysInOrder(canonicalize(dict).toString()).map((k) => Buffer.from(k));
        expect(keys).toHaveLength(Object.keys(dict).length);
        for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1]!, keys[i]!)).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });
});

/** The keys of a flat canonical object of integers, in the order the text has them. */
function keysInOrder(text: string): string[] {
  const keys: string[] = [];
  let i = 1; // past '{'
  while (text[i] === '"') {
    let key = '';
    for (i += 1; text[i] !== '"'; i += 1) key += text[i] === '\\' ? text[++i] : text[i];
    keys.push(key);
    i = text.indexOf(',', i);
    if (i < 0) break;
    i += 1;
  }
  return keys;
}
