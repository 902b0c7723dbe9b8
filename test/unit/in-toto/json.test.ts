import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InTotoError, parseStrictJson } from '../../../src/in-toto/index.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof InTotoError)) throw e;
    return e.code;
  }
};

describe('parseStrictJson', () => {
  it('parses ordinary JSON like JSON.parse does', () => {
    const text = '{"a":[1,-2,0,true,false,null,"x\\u00e9\\n\\"\\\\\\/"],"b":{"c":{}}}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(parseStrictJson(Buffer.from(' \t\r\n[ ] '))).toEqual([]);
  });

  it.each([
    ['{"a":1,"a":2}', 'JSON_DUPLICATE_KEY'],
    ['{"a":{"b":1,"b":1}}', 'JSON_DUPLICATE_KEY'],
    ['1.0', 'JSON_NUMBER'],
    ['1e3', 'JSON_NUMBER'],
    ['-0.5', 'JSON_NUMBER'],
    ['18446744073709551616', 'JSON_NUMBER'],
    ['"\\ud800"', 'JSON_STRING'],
    ['"\\udc00x"', 'JSON_STRING'],
    ['"\\ud800\\u0041"', 'JSON_STRING'],
    ['"tab\there"', 'JSON_STRING'],
    ['"bad \\x escape"', 'JSON_STRING'],
    ['"\\u12"', 'JSON_STRING'],
    ['01', 'JSON_SYNTAX'],
    ['[1,]', 'JSON_SYNTAX'],
    ['{"a":1,}', 'JSON_SYNTAX'],
    ['NaN', 'JSON_SYNTAX'],
    ["{'a':1}", 'JSON_SYNTAX'],
    ['[1] x', 'JSON_SYNTAX'],
    ['"unterminated', 'JSON_SYNTAX'],
    ['', 'JSON_SYNTAX'],
    ['\ufeff{}', 'JSON_SYNTAX'],
    ['// c\n{}', 'JSON_SYNTAX'],
  ])('refuses %j with %s', (text, expected) => {
    expect(code(() => parseStrictJson(text))).toBe(expected);
  });

  it('refuses invalid UTF-8, including encoded surrogates and overlong forms', () => {
    expect(code(() => parseStrictJson(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])))).toBe('JSON_STRING');
    expect(code(() => parseStrictJson(Buffer.from([0x22, 0xc0, 0xaf, 0x22])))).toBe('JSON_STRING');
  });

  it('accepts a surrogate pair and keeps -0 as 0', () => {
    expect(parseStrictJson('"\\ud83d\\ude00"')).toBe('😀');
    expect(Object.is(parseStrictJson('-0'), 0)).toBe(true);
  });

  it('keeps __proto__ as plain data', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('bounds size and depth', () => {
    expect(code(() => parseStrictJson('[' .repeat(100) + ']'.repeat(100)))).toBe('JSON_TOO_DEEP');
    expect(code(() => parseStrictJson('"' + 'a'.repeat(100) + '"', { maxBytes: 50 }))).toBe('JSON_TOO_LARGE');
    expect(code(() => parseStrictJson(Buffer.alloc(60, 0x20), { maxBytes: 50 }))).toBe('JSON_TOO_LARGE');
  });

  it('agrees with JSON.parse on every JSON it accepts and never throws untyped errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        try {
          const v = parseStrictJson(text);
          expect(JSON.parse(JSON.stringify(v))).toEqual(JSON.parse(text));
        } catch (e) {
          expect(e).toBeInstanceOf(InTotoError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws untyped errors on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseStrictJson(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(InTotoError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
