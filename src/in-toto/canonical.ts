/**
 * securesystemslib canonical JSON (the OLPC flavour in-toto v0.9 signs), byte for
 * byte what `securesystemslib.formats.encode_canonical` produces:
 * keys sorted by Unicode code point, no whitespace, only `\` and `"` escaped
 * (control characters and non-ASCII go out raw as UTF-8), integers only.
 *
 * It is not RFC 8785 (JCS), and its output is not always valid JSON; it is only
 * ever hashed or signed. Values that securesystemslib could not encode the same
 * way (floats, integers beyond 2^53, lone surrogates) are refused rather than
 * approximated.
 */
import { InTotoError } from './errors.js';
import { isJsonArray, type JsonValue } from './json.js';

export function canonicalize(value: JsonValue): Buffer {
  const parts: string[] = [];
  encode(value, parts);
  return Buffer.from(parts.join(''), 'utf8');
}

function encode(value: JsonValue, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (value === true) {
    out.push('true');
  } else if (value === false) {
    out.push('false');
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InTotoError('CANONICAL_UNSUPPORTED', `canonical JSON allows only safe integers, got ${value}`);
    }
    out.push(value === 0 ? '0' : String(value));
  } else if (typeof value === 'string') {
    out.push(encodeString(value));
  } else if (isJsonArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      encode(item, out);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    sortedKeys(value).forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(encodeString(key), ':');
      encode((value as Record<string, JsonValue>)[key]!, out);
    });
    out.push('}');
  } else {
    throw new InTotoError('CANONICAL_UNSUPPORTED', `canonical JSON cannot encode a ${typeof value}`);
  }
}

/** Lone surrogates would become U+FFFD in UTF-8, silently changing the signed bytes. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function encodeString(s: string): string {
  if (LONE_SURROGATE.test(s)) {
    throw new InTotoError('CANONICAL_UNSUPPORTED', 'canonical JSON cannot encode a lone surrogate');
  }
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** A UTF-16 code unit from which on string order and UTF-8 byte order can differ. */
const FROM_SURROGATES = /[\ud800-\uffff]/;

/**
 * Python's `sorted()` orders by code point. JavaScript's default sort orders by
 * UTF-16 unit, which puts U+1F600 before U+FFFF; comparing UTF-8 bytes gives
 * code-point order.
 */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  // Below U+D800, comparing UTF-16 code units orders strings as their UTF-8 bytes do;
  // keys are nearly always ASCII, and then no buffer per key is needed.
  if (!keys.some((k) => FROM_SURROGATES.test(k))) return keys.sort();
  return keys
    .map((k) => ({ k, b: Buffer.from(k, 'utf8') }))
    .sort((x, y) => Buffer.compare(x.b, y.b))
    .map((e) => e.k);
}
