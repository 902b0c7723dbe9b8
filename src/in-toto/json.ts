/**
 * Strict JSON for signed metadata.
 *
 * `JSON.parse` is the wrong tool for bytes whose signature covers a re-encoding of
 * them: it keeps the last of two duplicate keys (so a verifier and a policy engine
 * can read different values), turns `1.0` into `1` (hiding a float that canonical
 * JSON must reject), accepts lone surrogates (which cannot be re-encoded as UTF-8)
 * and `__proto__` keys. This parser accepts RFC 8259 JSON and refuses all of those,
 * so that the value we verify is the value we act on.
 *
 * It does not accept extensions (comments, trailing commas, NaN, a BOM).
 */
import { InTotoError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;
export type JsonArray = readonly JsonValue[];
/** Objects have no prototype, so keys like `__proto__` are plain data. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export interface ParseOptions {
  /** Refuse inputs longer than this many bytes (default 16 MiB). */
  readonly maxBytes?: number;
  /** Refuse nesting deeper than this (default 64). */
  readonly maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where a run of plain string characters ends: the closing quote, an escape, a control character, a surrogate. */
const STRING_STOP = /["\\\u0000-\u001f\ud800-\udfff]/g;
/** The integer part of a number token, anchored where the number starts (sticky). */
const INTEGER = /-?(?:0|[1-9][0-9]*)/y;

/** Parse UTF-8 bytes (or an already decoded string) as strict JSON. */
export function parseStrictJson(input: Uint8Array | string, options: ParseOptions = {}): JsonValue {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  let text: string;
  if (typeof input === 'string') {
    text = input;
    if (Buffer.byteLength(text, 'utf8') > maxBytes) {
      throw new InTotoError('JSON_TOO_LARGE', `JSON document larger than ${maxBytes} bytes`);
    }
  } else {
    if (input.byteLength > maxBytes) {
      throw new InTotoError('JSON_TOO_LARGE', `JSON document larger than ${maxBytes} bytes`);
    }
    try {
      text = utf8.decode(input);
    } catch {
      throw new InTotoError('JSON_STRING', 'JSON document is not valid UTF-8');
    }
  }
  return new Parser(text, options.maxDepth ?? 64).document();
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): JsonValue {
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('JSON_SYNTAX', 'unexpected data after the JSON value');
    return value;
  }

  private value(depth: number): JsonValue {
    if (depth > this.maxDepth) this.fail('JSON_TOO_DEEP', `nesting deeper than ${this.maxDepth}`);
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail('JSON_SYNTAX', c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private object(depth: number): JsonObject {
    this.pos++; // {
    const out: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('JSON_SYNTAX', 'expected a string key');
      const key = this.string();
      // `out` has no prototype: `in` sees only the keys read so far.
      if (key in out) this.fail('JSON_DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)}`);
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      out[key] = this.value(depth + 1);
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('JSON_SYNTAX', "expected ',' or '}' in object");
    }
  }

  private array(depth: number): JsonArray {
    this.pos++; // [
    const out: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('JSON_SYNTAX', "expected ',' or ']' in array");
    }
  }

  private string(): string {
    const text = this.text;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      // Runs of plain characters are found by the regex engine, not a loop per
      // character: signed documents carry kilobytes of base64 in single strings.
      STRING_STOP.lastIndex = this.pos;
      const stop = STRING_STOP.exec(text);
      if (stop === null) {
        this.pos = text.length;
        this.fail('JSON_SYNTAX', 'unterminated string');
      }
      out += text.slice(this.pos, stop.index);
      this.pos = stop.index;
      const code = text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++; // closing quote
        return out;
      }
      if (code === 0x5c) {
        out += this.escape();
        continue;
      }
      if (code < 0x20) this.fail('JSON_STRING', 'unescaped control character in string');
      // Only reachable for string input: decoded UTF-8 never holds a lone surrogate.
      this.checkSurrogatePair(code, text.charCodeAt(this.pos + 1));
      out += text.slice(this.pos, this.pos + 2);
      this.pos += 2;
    }
  }

  /** Decode one escape sequence starting at the backslash; leaves pos after it. */
  private escape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const high = this.hex4();
        if (high >= 0xd800 && high <= 0xdbff) {
          if (this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u') {
            this.fail('JSON_STRING', 'lone surrogate in \\u escape');
          }
          this.pos += 2;
          const low = this.hex4();
          this.checkSurrogatePair(high, low);
          return String.fromCharCode(high, low);
        }
        if (high >= 0xdc00 && high <= 0xdfff) this.fail('JSON_STRING', 'lone surrogate in \\u escape');
        return String.fromCharCode(high);
      }
      default:
        return this.fail('JSON_STRING', 'invalid escape sequence');
    }
  }

  private hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('JSON_STRING', 'invalid \\u escape');
    this.pos += 4;
    return parseInt(digits, 16);
  }

  private checkSurrogatePair(high: number, low: number): void {
    const ok = high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
    if (!ok) this.fail('JSON_STRING', 'lone surrogate in string');
  }

  private number(): number {
    INTEGER.lastIndex = this.pos;
    const m = INTEGER.exec(this.text);
    if (!m) return this.fail('JSON_SYNTAX', 'invalid number');
    const after = this.text[this.pos + m[0].length];
    // Canonical JSON has integers only; a fraction or exponent is refused at the token,
    // because after conversion `1.0` is indistinguishable from `1`.
    if (after === '.' || after === 'e' || after === 'E') this.fail('JSON_NUMBER', 'only integers are allowed');
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n)) this.fail('JSON_NUMBER', `integer ${m[0]} is outside the safe range`);
    this.pos += m[0].length;
    return n === 0 ? 0 : n; // -0 is 0, as in Python
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('JSON_SYNTAX', `invalid literal`);
    this.pos += word.length;
    return value;
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail('JSON_SYNTAX', `expected '${c}'`);
    this.pos++;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  private fail(code: 'JSON_SYNTAX' | 'JSON_DUPLICATE_KEY' | 'JSON_NUMBER' | 'JSON_STRING' | 'JSON_TOO_DEEP', what: string): never {
    throw new InTotoError(code, `invalid JSON at offset ${this.pos}: ${what}`);
  }
}

/** `Array.isArray` narrows to `any[]`; this keeps the element type. */
export function isJsonArray(v: JsonValue | undefined): v is JsonArray {
  return Array.isArray(v);
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
