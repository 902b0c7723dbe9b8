/**
 * Canonical JSON (src/in-toto/canonical.ts `canonicalize`): on any JSON-like value it
 * throws only InTotoError (CANONICAL_UNSUPPORTED: floats, unsafe integers, lone
 * surrogates); what it encodes does not depend on key insertion order, and — where no
 * string holds a control character (those go out raw, as securesystemslib writes
 * them) — reads back through the strict parser as the same value.
 */
import fc from 'fast-check';
import { canonicalize, InTotoError, parseStrictJson } from '../../src/in-toto/index.js';
import { defineTarget, ensure } from './harness.js';
import { jsonValue, type Json } from './mutate.js';

const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\u{1f600}', '\uffff', '\u00e9', 'a', 'A', '_type', '__proto__', ''));

const tree: fc.Arbitrary<Json> = fc.letrec<{ node: Json }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonValue,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((entries) => objectOf(entries)),
  ),
})).node;

/** An object with own data properties only (`__proto__` included as a plain key), like the strict parser makes. */
function objectOf(entries: readonly (readonly [string, Json])[]): Json {
  const out = Object.create(null) as Record<string, Json>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** The same value with every object's keys inserted in reverse order. */
function reversedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return objectOf(Object.keys(value).reverse().map((k) => [k, reversedKeys(value[k]!)] as const));
}

function hasControlCharacter(value: Json): boolean {
  if (typeof value === 'string') return /[\u0000-\u001f]/.test(value);
  if (Array.isArray(value)) return value.some(hasControlCharacter);
  if (value === null || typeof value !== 'object') return false;
  return Object.keys(value).some((k) => /[\u0000-\u001f]/.test(k) || hasControlCharacter(value[k]!));
}

export const canonicalJsonTarget = defineTarget<Json>({
  name: 'canonical-json',
  description: 'canonicalize: InTotoError only; independent of key order; reads back as the same value',
  expected: [InTotoError],
  caseBoundMs: 1000,
  arbitrary: () => tree,
  run(value) {
    const bytes = canonicalize(value);
    ensure(bytes.equals(canonicalize(reversedKeys(value))), 'canonical bytes depend on key insertion order');
    ensure(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes), 'canonical bytes are not valid UTF-8');
    if (hasControlCharacter(value)) return;
    const back = parseStrictJson(bytes);
    ensure(canonicalize(back).equals(bytes), `canonical JSON does not read back as the same value: ${bytes.toString('utf8').slice(0, 200)}`);
  },
});
