/**
 * Incremental, bounded parser for apt's method protocol: bytes in, messages out.
 *
 * Chunks may be split anywhere (inside a UTF-8 character, between the two newlines
 * that end a message, between CR and LF). Framing follows apt's ReadMessages: a
 * message ends at an empty line, `\n` and `\r\n` line ends are both accepted, and
 * empty lines between messages are skipped. Values follow LookupTag: spaces around
 * a value are dropped and a line starting with a space continues the previous value.
 *
 * Stricter than apt, on purpose: any line we cannot read exactly (bad header, bad
 * field name, control characters, invalid UTF-8) and any message over the limits is
 * a typed error, and the parser stays failed afterwards, because a stream that lost
 * its framing cannot be trusted to find it again. Does not interpret codes or fields.
 */
import { AptProtocolError, quoteForError } from './errors.js';
import type { AptField, ParsedAptMessage } from './message.js';
import { FIELD_NAME, FORBIDDEN_VALUE_CHAR, HEADER_LINE } from './message.js';

export interface FramingLimits {
  /** Bytes of one message, line ends included. */
  readonly maxMessageBytes: number;
  /** Fields of one message; 601 has one per configuration item. */
  readonly maxFields: number;
}

/**
 * A full apt configuration is about a hundred items and a few kilobytes (research
 * note §2.5); these limits leave two orders of magnitude of room.
 */
export const DEFAULT_FRAMING_LIMITS: FramingLimits = { maxMessageBytes: 1 << 20, maxFields: 10_000 };

const LF = 0x0a;
const CR = 0x0d;

interface MessageInProgress {
  code: number;
  text: string;
  fields: [string, string][];
  lines: string[];
  bytes: number;
}

export class AptMessageParser {
  private readonly limits: FramingLimits;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Bytes of the line being read, not yet ended by LF. */
  private partialLine: Uint8Array[] = [];
  private partialLineBytes = 0;
  private current: MessageInProgress | undefined;
  private failure: AptProtocolError | undefined;

  constructor(limits: Partial<FramingLimits> = {}) {
    this.limits = { ...DEFAULT_FRAMING_LIMITS, ...limits };
  }

  /** Feeds bytes; returns the messages they complete. Throws AptProtocolError. */
  push(chunk: Uint8Array): ParsedAptMessage[] {
    if (this.failure) throw this.failure;
    try {
      return this.consume(chunk);
    } catch (e) {
      this.failure =
        e instanceof AptProtocolError
          ? e
          : new AptProtocolError('APT_FRAMING', `apt message parser failed: ${String(e)}`, { cause: e });
      throw this.failure;
    }
  }

  /** Declares the end of the stream; throws APT_TRUNCATED if a message was cut off. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.current || this.partialLineBytes > 0) {
      const what = this.current ? `"${this.current.code} ${this.current.text}"` : 'a line';
      this.failure = new AptProtocolError('APT_TRUNCATED', `apt message stream ended inside ${what}`);
      throw this.failure;
    }
  }

  private consume(chunk: Uint8Array): ParsedAptMessage[] {
    const done: ParsedAptMessage[] = [];
    let start = 0;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
      this.addToLine(chunk.subarray(start, i));
      const message = this.endLine();
      if (message) done.push(message);
      start = i + 1;
    }
    if (start < chunk.length) this.addToLine(chunk.subarray(start));
    return done;
  }

  private addToLine(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // Checked before the line is complete, so an endless line cannot grow memory.
    if ((this.current?.bytes ?? 0) + this.partialLineBytes + bytes.length > this.limits.maxMessageBytes) {
      throw this.tooLarge();
    }
    this.partialLine.push(bytes);
    this.partialLineBytes += bytes.length;
  }

  private endLine(): ParsedAptMessage | undefined {
    let bytes = this.takeLine();
    const lineBytes = bytes.length + 1;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    const line = this.decode(bytes);

    if (line === '') {
      const message = this.current;
      this.current = undefined;
      return message && finish(message);
    }
    if (!this.current) {
      if (lineBytes > this.limits.maxMessageBytes) throw this.tooLarge();
      this.current = startMessage(line, lineBytes);
      return undefined;
    }
    const current = this.current;
    current.bytes += lineBytes;
    if (current.bytes > this.limits.maxMessageBytes) throw this.tooLarge();
    current.lines.push(line);
    if (line.startsWith(' ')) {
      continueField(current, line);
    } else {
      if (current.fields.length >= this.limits.maxFields) {
        throw new AptProtocolError(
          'APT_TOO_LARGE',
          `apt message "${current.code} ${current.text}" has more than ${this.limits.maxFields} fields`,
        );
      }
      current.fields.push(parseFieldLine(line));
    }
    return undefined;
  }

  private takeLine(): Uint8Array {
    const parts = this.partialLine;
    this.partialLine = [];
    this.partialLineBytes = 0;
    if (parts.length === 1 && parts[0]) return parts[0];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private decode(bytes: Uint8Array): string {
    try {
      return this.decoder.decode(bytes);
    } catch (e) {
      throw new AptProtocolError('APT_ENCODING', 'apt message line is not valid UTF-8', { cause: e });
    }
  }

  private tooLarge(): AptProtocolError {
    return new AptProtocolError(
      'APT_TOO_LARGE',
      `apt message is larger than ${this.limits.maxMessageBytes} bytes`,
    );
  }
}

/** Parses a complete stream (every message must be terminated). */
export function parseAptMessages(input: Uint8Array | string, limits?: Partial<FramingLimits>): ParsedAptMessage[] {
  const parser = new AptMessageParser(limits);
  const messages = parser.push(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  parser.end();
  return messages;
}

function startMessage(line: string, lineBytes: number): MessageInProgress {
  const header = HEADER_LINE.exec(line);
  if (!header?.[1] || header[2] === undefined) {
    throw new AptProtocolError('APT_FRAMING', `apt message header is not "NNN Text": ${quoteForError(line)}`);
  }
  return { code: Number(header[1]), text: header[2], fields: [], lines: [line], bytes: lineBytes };
}

function parseFieldLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon) : '';
  if (!FIELD_NAME.test(name)) {
    throw new AptProtocolError('APT_FIELD', `apt message line is not "Name: value": ${quoteForError(line)}`);
  }
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  checkValue(name, value);
  return [name, value];
}

/** apt's LookupTag: drop the one leading space, keep the line after a newline. */
function continueField(message: MessageInProgress, line: string): void {
  const last = message.fields[message.fields.length - 1];
  if (!last) {
    throw new AptProtocolError('APT_FIELD', `apt message continuation line has no field: ${quoteForError(line)}`);
  }
  const more = line.slice(1).replace(/[ \t]+$/, '');
  checkValue(last[0], more);
  last[1] = last[1] === '' ? more : `${last[1]}\n${more}`;
}

function checkValue(name: string, value: string): void {
  if (FORBIDDEN_VALUE_CHAR.test(value)) {
    throw new AptProtocolError('APT_FIELD', `apt message field ${name} contains control characters`);
  }
}

function finish(message: MessageInProgress): ParsedAptMessage {
  const fields: AptField[] = message.fields.map(([n, v]) => [n, v] as const);
  return { code: message.code, text: message.text, fields, raw: `${message.lines.join('\n')}\n\n` };
}
