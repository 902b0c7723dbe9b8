/**
 * Properties of the codec over generated input: hostile bytes never produce an
 * untyped error, what we format parses back to the same message whatever the
 * chunking, and config quoting round-trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAcquire } from '../../../../src/apt/protocol/acquire.js';
import { AptConfig, dequoteConfigString, formatConfigItem, parseConfigItem, quoteConfigString } from '../../../../src/apt/protocol/config.js';
import { AptProtocolError } from '../../../../src/apt/protocol/errors.js';
import { foldToLine, formatAptMessage } from '../../../../src/apt/protocol/format.js';
import { AptMessageParser, parseAptMessages } from '../../../../src/apt/protocol/framing.js';
import type { AptField, AptMessage } from '../../../../src/apt/protocol/message.js';

const encoder = new TextEncoder();

/** Runs `fn`; an AptProtocolError is an allowed outcome, anything else fails the property. */
function typedOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AptProtocolError)) throw e;
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
  }
}

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** Text made of what a protocol line is made of, plus the characters that break it. */
const protocolish = fc
  .array(
    fc.oneof(
      fc.constantFrom('100 Capabilities', '600 URI Acquire', '601 Configuration', '201 URI Done', 'URI: x', 'Config-Item: a=b%2', ' cont', 'Message:', '\n', '\n', '\r\n', ':', ' ', '%', '\u0000', '\u001b', '\u00e9', '\ud800'),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

const safeChar = fc.oneof(
  fc.constantFrom('a', 'Z', '0', '-', '.', '/', ':', '%', '+', '~', '=', '"', '\t', ' ', '\u00e9', '\u{1f600}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/[\u0000-\u001f\u007f-\u009f]/.test(c)),
);
const value = fc
  .string({ unit: safeChar, minLength: 1, maxLength: 30 })
  .filter((v) => !/^[ \t]|[ \t]$/.test(v));
const fieldName = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
const field: fc.Arbitrary<AptField> = fc
  .tuple(fieldName, value)
  .map(([n, v]) => (n.toLowerCase() === 'message' ? [n, foldToLine(v) || 'm'] : [n, v]));
const message: fc.Arbitrary<AptMessage> = fc.record({
  code: fc.integer({ min: 100, max: 999 }),
  text: fc.string({ unit: safeChar.filter((c) => c !== '\t'), minLength: 1, maxLength: 20 }),
  fields: fc.array(field, { maxLength: 8 }),
});

describe('codec properties', () => {
  it('any bytes, chunked anywhere, give messages or an AptProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        typedOrOk(() => {
          const parser = new AptMessageParser({ maxMessageBytes: 200, maxFields: 5 });
          for (const c of chunks(bytes, cuts)) parser.push(c);
          parser.end();
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('protocol-like text gives messages or an AptProtocolError, and each consumer stays typed', () => {
    fc.assert(
      fc.property(protocolish, (text) => {
        typedOrOk(() => {
          for (const m of parseAptMessages(text, { maxMessageBytes: 400 })) {
            if (m.code === 600) typedOrOk(() => readAcquire(m));
            if (m.code === 601) typedOrOk(() => AptConfig.fromMessage(m));
            typedOrOk(() => formatAptMessage(m));
          }
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('parse(format(m)) is m, and raw is the formatted text, however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, cuts) => {
        const text = messages.map(formatAptMessage).join('');
        const parser = new AptMessageParser();
        const parsed = chunks(encoder.encode(text), cuts).flatMap((c) => parser.push(c));
        parser.end();
        expect(parsed.map(({ code, text: t, fields }) => ({ code, text: t, fields }))).toEqual(messages);
        expect(parsed.map((m) => m.raw).join('')).toBe(text);
        expect(parsed.map((m) => formatAptMessage(m)).join('')).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('a formatted message is exactly one message, whatever its values try', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (anything) => {
        let text: string;
        try {
          text = formatAptMessage({ code: 400, text: 'URI Failure', fields: [['URI', 'u'], ['Message', anything]] });
        } catch (e) {
          expect(e).toBeInstanceOf(AptProtocolError);
          return;
        }
        expect(parseAptMessages(text)).toHaveLength(1);
      }),
    );
  });

  it('dequote(quote(s)) is s, and the quoted form has nothing apt would quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const quoted = quoteConfigString(s);
        expect(quoted).toMatch(/^[\u0021-\u007e]*$/);
        expect(quoted).not.toMatch(/[="]/);
        expect(dequoteConfigString(quoted)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('a config item survives format, the 601 framing and parse', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), (key, val) => {
        const text = formatAptMessage({ code: 601, text: 'Configuration', fields: [['Config-Item', formatConfigItem(key, val)]] });
        const [m] = parseAptMessages(text);
        expect(AptConfig.fromMessage(m!).entries()).toEqual([[key, val]]);
        expect(parseConfigItem(formatConfigItem(key, val))).toEqual([key, val]);
      }),
      { numRuns: 1000 },
    );
  });
});
