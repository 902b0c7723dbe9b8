import { describe, expect, it } from 'vitest';
import { AptProtocolError } from '../../../../src/apt/protocol/errors.js';
import { foldToLine, formatAptMessage } from '../../../../src/apt/protocol/format.js';
import { parseAptMessages } from '../../../../src/apt/protocol/framing.js';
import type { AptField } from '../../../../src/apt/protocol/message.js';
import { aptMessage } from '../../../../src/apt/protocol/message.js';
import {
  capabilitiesMessage,
  generalFailureMessage,
  logMessage,
  statusMessage,
  uriDoneMessage,
  uriFailureMessage,
  warningMessage,
} from '../../../../src/apt/protocol/replies.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AptProtocolError);
    return (e as AptProtocolError).code;
  }
  throw new Error('expected an AptProtocolError');
}

const URI = 'reprogate+http://127.0.0.1:18092/pool/main/rbt-enc_2.0%2bdfsg%7e1_all.deb';

describe('formatAptMessage', () => {
  it('writes the header, the fields in the given order and the empty line', () => {
    const fields: AptField[] = [
      ['URI', URI],
      ['Message', 'Connecting to 127.0.0.1'],
    ];
    expect(formatAptMessage(aptMessage(102, fields))).toBe(`102 Status\nURI: ${URI}\nMessage: Connecting to 127.0.0.1\n\n`);
  });

  it('echoes URIs byte for byte (percent escapes, non-ASCII) and they parse back unchanged', () => {
    const odd = 'reprogate+https://h\u00e9te.example/p%C3%A9/a%2Bb?x=1&y=%zz';
    const text = formatAptMessage(aptMessage(201, [['URI', odd], ['Filename', '/tmp/x']]));
    expect(text).toContain(`URI: ${odd}\n`);
    expect(parseAptMessages(text)[0]?.fields[0]).toEqual(['URI', odd]);
  });

  it('leaves empty values out, as apt SendMessage does', () => {
    expect(formatAptMessage(aptMessage(400, [['URI', 'x'], ['FailReason', ''], ['Message', '  ']]))).toBe('400 URI Failure\nURI: x\n\n');
  });

  it('folds a multi-line Message onto one line', () => {
    const text = formatAptMessage(aptMessage(400, [['URI', 'x'], ['Message', 'refused:\r\n  line two\n\tthree\u001b[31m red\u0085']]));
    expect(text).toBe('400 URI Failure\nURI: x\nMessage: refused: line two three [31m red\n\n');
    expect(parseAptMessages(text)).toHaveLength(1);
  });

  it('refuses a newline in any other field: it could forge a message', () => {
    const forged = 'x\n\n201 URI Done\nURI: y\nFilename: /evil';
    expect(codeOf(() => formatAptMessage(aptMessage(400, [['URI', forged], ['Message', 'm']])))).toBe('APT_FIELD');
  });

  it.each([
    ['a CR', 'a\rb'],
    ['an escape', 'a\u001bb'],
    ['a C1 control', 'a\u009bb'],
    ['a leading blank', ' a'],
    ['a trailing tab', 'a\t'],
  ])('refuses a value with %s (APT_FIELD)', (_, value) => {
    expect(codeOf(() => formatAptMessage(aptMessage(201, [['Filename', value]])))).toBe('APT_FIELD');
  });

  it('keeps a tab inside a value, which apt allows', () => {
    expect(formatAptMessage(aptMessage(101, [['URI', 'a\tb']]))).toBe('101 Log\nURI: a\tb\n\n');
  });

  it.each(['', 'Bad Name', 'Bad:Name', 'N\u00e4me'])('refuses the field name %j (APT_FIELD)', (name) => {
    expect(codeOf(() => formatAptMessage(aptMessage(101, [[name, 'v']])))).toBe('APT_FIELD');
  });

  it.each([
    [99, 'Low'],
    [1000, 'High'],
    [100.5, 'Fraction'],
    [100, ''],
    [100, 'Text\nInjected: yes'],
  ])('refuses the header %j %j (APT_FRAMING)', (code, text) => {
    expect(codeOf(() => formatAptMessage({ code, text, fields: [] }))).toBe('APT_FRAMING');
  });
});

describe('foldToLine', () => {
  it('turns every run of blanks and controls into one space and trims', () => {
    expect(foldToLine('\n a \r\n\u0000 b\u2028c \t')).toBe('a b c');
    expect(foldToLine('\n\t ')).toBe('');
  });
});

describe('reply builders', () => {
  it('100 Capabilities sends Version and only the true flags, in apt order', () => {
    const text = formatAptMessage(capabilitiesMessage({ version: '1.0', sendUriEncoded: true, pipeline: true, sendConfig: true, singleInstance: false }));
    expect(text).toBe('100 Capabilities\nVersion: 1.0\nPipeline: true\nSend-Config: true\nSend-URI-Encoded: true\n\n');
  });

  it('101, 102, 104 and 401 carry URI and a one-line Message', () => {
    expect(formatAptMessage(logMessage('hello\nthere'))).toBe('101 Log\nMessage: hello there\n\n');
    expect(formatAptMessage(logMessage('m', 'u'))).toBe('101 Log\nURI: u\nMessage: m\n\n');
    expect(formatAptMessage(statusMessage('u', 'Waiting'))).toBe('102 Status\nURI: u\nMessage: Waiting\n\n');
    expect(formatAptMessage(warningMessage('u', 'careful'))).toBe('104 Warning\nURI: u\nMessage: careful\n\n');
    expect(formatAptMessage(generalFailureMessage('broken'))).toBe('401 General Failure\nMessage: broken\n\n');
  });

  it('201 URI Done lists file, size, extra fields and then the hashes', () => {
    const text = formatAptMessage(
      uriDoneMessage('u', '/p/f.deb', { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), md5: 'c'.repeat(32), size: 764 }, [['Last-Modified', 'Wed, 25 Nov 2026 15:04:08 +0000']]),
    );
    expect(text).toBe(
      '201 URI Done\nURI: u\nFilename: /p/f.deb\nSize: 764\nLast-Modified: Wed, 25 Nov 2026 15:04:08 +0000\n' +
        `SHA512-Hash: ${'b'.repeat(128)}\nSHA256-Hash: ${'a'.repeat(64)}\nMD5Sum-Hash: ${'c'.repeat(32)}\nChecksum-FileSize-Hash: 764\n\n`,
    );
  });

  it('400 URI Failure marks transient failures only when asked', () => {
    expect(formatAptMessage(uriFailureMessage({ uri: 'u', message: 'gone', failReason: 'X', transient: true }))).toBe(
      '400 URI Failure\nURI: u\nMessage: gone\nFailReason: X\nTransient-Failure: true\n\n',
    );
    expect(formatAptMessage(uriFailureMessage({ uri: 'u', message: 'no' }))).toBe('400 URI Failure\nURI: u\nMessage: no\n\n');
  });

  it('uses the standard text for codes apt and its methods speak', () => {
    expect([103, 200, 351, 600, 601, 603].map((c) => formatAptMessage(aptMessage(c as 103, [])).split('\n')[0])).toEqual([
      '103 Redirect',
      '200 URI Start',
      '351 Aux Request',
      '600 URI Acquire',
      '601 Configuration',
      '603 Media Changed',
    ]);
  });
});
