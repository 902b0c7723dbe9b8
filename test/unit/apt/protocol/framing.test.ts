import { describe, expect, it } from 'vitest';
import { AptProtocolError } from '../../../../src/apt/protocol/errors.js';
import { AptMessageParser, parseAptMessages } from '../../../../src/apt/protocol/framing.js';
import { getField, getFields } from '../../../../src/apt/protocol/message.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function errorOf(fn: () => unknown): AptProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AptProtocolError);
    return e as AptProtocolError;
  }
  throw new Error('expected an AptProtocolError');
}

const codeOf = (fn: () => unknown): string => errorOf(fn).code;

const TWO = '102 Status\nURI: a\nMessage: Connecting\n\n201 URI Done\nURI: a\nFilename: /tmp/a\n\n';

describe('AptMessageParser framing', () => {
  it('reads header, fields in order, and a canonical raw form', () => {
    const [status, done] = parseAptMessages(TWO);
    expect(status).toEqual({
      code: 102,
      text: 'Status',
      fields: [
        ['URI', 'a'],
        ['Message', 'Connecting'],
      ],
      raw: '102 Status\nURI: a\nMessage: Connecting\n\n',
    });
    expect(done?.code).toBe(201);
    expect(done?.raw).toBe('201 URI Done\nURI: a\nFilename: /tmp/a\n\n');
  });

  it('gives the same messages whatever the chunking, including inside "\\n\\n" and CR LF', () => {
    const text = TWO.replace(/\n/g, '\r\n');
    const whole = parseAptMessages(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new AptMessageParser();
      const got = [...parser.push(bytes(text.slice(0, cut))), ...parser.push(bytes(text.slice(cut)))];
      parser.end();
      expect(got).toEqual(whole);
    }
    const byteByByte = new AptMessageParser();
    const got = [...bytes(text)].flatMap((b) => byteByByte.push(Uint8Array.of(b)));
    expect(got).toEqual(whole);
    expect(whole[0]?.raw).toBe('102 Status\nURI: a\nMessage: Connecting\n\n');
  });

  it('reassembles a UTF-8 character split across chunks', () => {
    const all = bytes('101 Log\nMessage: caf\u00e9 \u{1f600}\n\n');
    const parser = new AptMessageParser();
    const got = [...all].flatMap((b) => parser.push(Uint8Array.of(b)));
    expect(getField(got[0]!, 'Message')).toBe('caf\u00e9 \u{1f600}');
  });

  it('skips empty lines between messages, as apt does', () => {
    expect(parseAptMessages('\n\r\n\n100 Capabilities\nVersion: 1.2\n\n\n\n\n102 Status\nURI: x\n\n').map((m) => m.code)).toEqual([100, 102]);
  });

  it('returns nothing until the empty line arrives', () => {
    const parser = new AptMessageParser();
    expect(parser.push(bytes('600 URI Acquire\nURI: x\n'))).toEqual([]);
    expect(parser.push(bytes('\n'))).toHaveLength(1);
  });

  it('strips blanks around values and reads continuation lines like LookupTag', () => {
    const [m] = parseAptMessages('103 Redirect\nURI:   a  \nAlternate-URIs:\n b\n  c \nNew-URI: x\n\n');
    expect(getField(m!, 'URI')).toBe('a');
    expect(getField(m!, 'Alternate-URIs')).toBe('b\n c');
    expect(m?.raw).toBe('103 Redirect\nURI:   a  \nAlternate-URIs:\n b\n  c \nNew-URI: x\n\n');
  });

  it('looks fields up case-insensitively, first occurrence first', () => {
    const [m] = parseAptMessages('201 URI Done\nsha256-hash: first\nSHA256-Hash: second\n\n');
    expect(getField(m!, 'SHA256-Hash')).toBe('first');
    expect(getFields(m!, 'sha256-HASH')).toEqual(['first', 'second']);
    expect(getField(m!, 'Missing')).toBeUndefined();
  });
});

describe('AptMessageParser refuses what it cannot read exactly', () => {
  it.each([
    ['no code', 'Capabilities\n\n'],
    ['two digits', '10 Capabilities\n\n'],
    ['no text', '100\n\n'],
    ['leading zero', '010 Odd\n\n'],
    ['control character in the text', '100 Capa\u0007bilities\n\n'],
  ])('header with %s: APT_FRAMING', (_, text) => {
    expect(codeOf(() => parseAptMessages(text))).toBe('APT_FRAMING');
  });

  it.each([
    ['no colon', '102 Status\nURI a\n\n'],
    ['empty name', '102 Status\n: a\n\n'],
    ['a space in the name', '102 Status\nU RI: a\n\n'],
    ['a tab-indented line', '102 Status\n\tURI: a\n\n'],
    ['a stray CR inside the line', '102 Status\nURI: a\rb\n\n'],
    ['an escape character', '102 Status\nMessage: \u001b[2J\n\n'],
    ['a C1 control', '102 Status\nMessage: \u009b2J\n\n'],
    ['DEL', '102 Status\nMessage: a\u007f\n\n'],
    ['a NUL in a continuation', '102 Status\nMessage: a\n b\u0000\n\n'],
    ['a continuation with no field', '102 Status\n continued\n\n'],
  ])('field with %s: APT_FIELD', (_, text) => {
    expect(codeOf(() => parseAptMessages(text))).toBe('APT_FIELD');
  });

  it('refuses bytes that are not UTF-8 (APT_ENCODING)', () => {
    expect(codeOf(() => new AptMessageParser().push(Uint8Array.of(0x31, 0x30, 0x30, 0x20, 0xff, 0x0a)))).toBe('APT_ENCODING');
  });

  it('bounds a message that never ends a line, before it is complete (APT_TOO_LARGE)', () => {
    const parser = new AptMessageParser({ maxMessageBytes: 100 });
    parser.push(bytes('102 Status\nMessage: '));
    expect(codeOf(() => parser.push(new Uint8Array(200).fill(0x61)))).toBe('APT_TOO_LARGE');
  });

  it('bounds a message made of many short lines (APT_TOO_LARGE)', () => {
    const parser = new AptMessageParser({ maxMessageBytes: 100 });
    expect(codeOf(() => parser.push(bytes(`601 Configuration\n${'Config-Item: a=b\n'.repeat(10)}`)))).toBe('APT_TOO_LARGE');
  });

  it('bounds the number of fields (APT_TOO_LARGE)', () => {
    const text = `601 Configuration\n${'Config-Item: a=b\n'.repeat(5)}\n`;
    expect(parseAptMessages(text, { maxFields: 5 })[0]?.fields).toHaveLength(5);
    expect(codeOf(() => parseAptMessages(text, { maxFields: 4 }))).toBe('APT_TOO_LARGE');
  });

  it('reports a stream that ends inside a message (APT_TRUNCATED)', () => {
    const parser = new AptMessageParser();
    parser.push(bytes('600 URI Acquire\nURI: x\n'));
    expect(codeOf(() => parser.end())).toBe('APT_TRUNCATED');
    const midLine = new AptMessageParser();
    midLine.push(bytes('600 URI Acq'));
    expect(codeOf(() => midLine.end())).toBe('APT_TRUNCATED');
  });

  it('accepts a clean end, even after trailing empty lines', () => {
    const parser = new AptMessageParser();
    parser.push(bytes('100 Capabilities\nVersion: 1\n\n\n\n'));
    expect(() => parser.end()).not.toThrow();
  });

  it('stays failed after an error: the framing cannot be found again', () => {
    const parser = new AptMessageParser();
    let first: unknown;
    try {
      parser.push(bytes('garbage\n'));
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(AptProtocolError);
    expect(() => parser.push(bytes('100 Capabilities\nVersion: 1\n\n'))).toThrow(first as Error);
    expect(() => parser.end()).toThrow(first as Error);
  });

  it('quotes the offending line safely in its message', () => {
    const { message } = errorOf(() => parseAptMessages('\u001b]0;pwned\u0007 header\n\n'));
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message).toContain('\\u001b');
  });
});
