/**
 * Strict JSON (src/in-toto/json.ts `parseStrictJson`): on hostile bytes and text it
 * throws only InTotoError, and whatever it accepts is JSON that `JSON.parse` reads as
 * the same value — it is a strict subset, never a different reading.
 */
import fc from 'fast-check';
import { InTotoError, parseStrictJson, type JsonValue } from '../../src/in-toto/index.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson, tokenSoup, utf8 } from './mutate.js';
import { projectFiles } from './seeds.js';

const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u', '\\ud800', '\\udc00', '\\u0000', 'true', 'false', 'null', '-', '0', '1.0', '1e5', '9007199254740993', ' ', '\n', '\ufeff', '"__proto__"'];

type Input = { readonly kind: 'bytes'; readonly bytes: Uint8Array } | { readonly kind: 'text'; readonly text: string };

let seeds: Uint8Array[] = [];

export const strictJsonTarget = defineTarget<Input>({
  name: 'strict-json',
  description: 'parseStrictJson: InTotoError only; what it accepts, JSON.parse reads as the same value',
  expected: [InTotoError],
  caseBoundMs: 1000,
  prepare() {
    seeds = [
      ...projectFiles('test/vectors/in-toto-run/links', '.link'),
      ...projectFiles('test/vectors/in-toto-run/layouts', '.layout'),
      ...projectFiles('test/vectors/in-toto-run/keys', '.json'),
    ];
    return Promise.resolve();
  },
  arbitrary() {
    return fc.oneof(
      { weight: 3, arbitrary: mutatedBytes(seeds, JSON_TOKENS.map(utf8)).map((bytes): Input => ({ kind: 'bytes', bytes })) },
      { weight: 2, arbitrary: mutatedJson(seeds, ['signed', 'signatures', 'products']).map((bytes): Input => ({ kind: 'bytes', bytes })) },
      { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((text): Input => ({ kind: 'text', text })) },
      { weight: 2, arbitrary: tokenSoup(JSON_TOKENS).map((text): Input => ({ kind: 'text', text })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Input => ({ kind: 'bytes', bytes })) },
    );
  },
  run(input) {
    const value = parseStrictJson(input.kind === 'bytes' ? input.bytes : input.text);
    const text = input.kind === 'bytes' ? Buffer.from(input.bytes).toString('utf8') : input.text;
    let lenient: unknown;
    try {
      lenient = JSON.parse(text);
    } catch (e) {
      ensure(false, `parseStrictJson accepted what JSON.parse refuses (${String(e)}): ${JSON.stringify(text.slice(0, 200))}`);
    }
    ensure(sameValue(value, lenient), `parseStrictJson and JSON.parse read ${JSON.stringify(text.slice(0, 200))} differently`);
  },
});

/** Structural equality; -0 and 0 are one number (the strict parser normalises -0, as Python does). */
function sameValue(strict: JsonValue, lenient: unknown): boolean {
  if (strict === null || typeof strict !== 'object') return strict === lenient || (typeof strict === 'number' && strict === lenient);
  if (Array.isArray(strict)) {
    return Array.isArray(lenient) && lenient.length === strict.length && strict.every((item, i) => sameValue(item, lenient[i] as unknown));
  }
  if (lenient === null || typeof lenient !== 'object' || Array.isArray(lenient)) return false;
  const keys = Object.keys(strict);
  const other = lenient as Record<string, unknown>;
  return keys.length === Object.keys(other).length && keys.every((k) => Object.hasOwn(other, k) && sameValue((strict as Record<string, JsonValue>)[k]!, other[k]));
}
