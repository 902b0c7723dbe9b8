/**
 * Input generators shared by the fuzz targets. Random bytes alone rarely get past the
 * first check of a parser, so most inputs start from real documents (captures from
 * apt, in-toto-run links, gpg certificates, .debs made by dpkg-deb) and apply a few
 * edits: bit flips, interesting bytes, insertions and deletions, duplicated runs,
 * tokens of the format spliced in — or, for JSON, edits of the parsed tree (a value
 * replaced, a field removed or added, a type changed), so the input gets past the
 * JSON parser and into the model and signature checks. Everything shrinks, so a
 * failure is reported with a small input.
 */
import fc from 'fast-check';

type Edit =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number; readonly times: number };

/** Bytes that mean something to the formats fuzzed here. */
const INTERESTING_BYTES = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x3a, 0x3d, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc0, 0xed, 0xef, 0xfe, 0xff];

function editArbitrary(tokens: readonly Uint8Array[]): fc.Arbitrary<Edit> {
  const at = fc.nat();
  const inserted = tokens.length > 0 ? fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...tokens)) : fc.uint8Array({ minLength: 1, maxLength: 8 });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at, value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: inserted }),
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at, length: fc.integer({ min: 1, max: 32 }), times: fc.integer({ min: 2, max: 64 }) }),
  );
}

/** Applies edits in order; positions wrap around the current length. */
function applyEdits(seed: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let bytes = Buffer.from(seed);
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % (edit.kind === 'insert' ? bytes.length + 1 : bytes.length);
    switch (edit.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = bytes.readUInt8(at) ^ (1 << edit.bit);
        break;
      case 'set':
        if (bytes.length > 0) bytes[at] = edit.value;
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), edit.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
        break;
      case 'repeat': {
        const run = bytes.subarray(at, at + edit.length);
        bytes = Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: edit.times }, () => run), bytes.subarray(at + edit.length)]);
        break;
      }
    }
  }
  return bytes;
}

/** A seed with up to `maxEdits` edits (zero edits: the seed itself, the control). */
export function mutatedBytes(seeds: readonly Uint8Array[], tokens: readonly Uint8Array[] = [], maxEdits = 4): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutatedBytes needs at least one seed');
  return fc
    .record({ seed: fc.constantFrom(...seeds), edits: fc.array(editArbitrary(tokens), { maxLength: maxEdits }) })
    .map(({ seed, edits }) => applyEdits(seed, edits));
}

/** Text made of the given tokens and short random strings (lone surrogates included). */
export function tokenSoup(tokens: readonly string[], maxParts = 40): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...tokens), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: maxParts })
    .map((parts) => parts.join(''));
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A JSON value as JSON.parse makes it; objects may hold any key, `__proto__` included. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values that trip JSON and canonical JSON up: floats, unsafe integers, -0, odd strings. */
const awkwardValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(0, -0, 1.5, 1e21, 2 ** 53, -(2 ** 53) - 2, '', '\u0000', '\ud800', '\udc00x', '\u{1f600}', '\u00e9', '\\u0041', '../../etc/passwd', 'a'.repeat(300), [], {}),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.integer(),
);

/** A small JSON value, sometimes an awkward one. */
export const jsonValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: awkwardValue },
);

type TreeEdit =
  | { readonly kind: 'replace'; readonly pick: number; readonly value: Json }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'add'; readonly pick: number; readonly key: string; readonly value: Json }
  | { readonly kind: 'wrap'; readonly pick: number };

function treeEditArbitrary(keys: readonly string[]): fc.Arbitrary<TreeEdit> {
  const pick = fc.nat();
  const key = fc.oneof(fc.constantFrom(...keys, '__proto__', 'constructor', ''), fc.string({ maxLength: 8 }));
  return fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), pick, value: jsonValue }),
    fc.record({ kind: fc.constant('remove' as const), pick }),
    fc.record({ kind: fc.constant('add' as const), pick, key, value: jsonValue }),
    fc.record({ kind: fc.constant('wrap' as const), pick }),
  );
}

type Slot = { readonly parent: Json[] | { [key: string]: Json }; readonly key: string | number };

/** Every place in the tree a value sits (the root excluded). */
function slots(value: Json, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push({ parent: value, key: i });
      slots(item, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, item] of Object.entries(value)) {
      out.push({ parent: value, key: k });
      slots(item, out);
    }
  }
  return out;
}

function applyTreeEdit(root: Json, edit: TreeEdit): void {
  const all = slots(root);
  const slot = all[edit.pick % Math.max(1, all.length)];
  if (slot === undefined) return;
  const { parent, key } = slot;
  const get = (): Json => (Array.isArray(parent) ? parent[key as number]! : parent[key as string]!);
  const set = (v: Json): void => {
    if (Array.isArray(parent)) parent[key as number] = v;
    else Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true, configurable: true });
  };
  switch (edit.kind) {
    case 'replace':
      set(structuredClone(edit.value));
      return;
    case 'remove':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return;
    case 'add': {
      const target = get();
      if (Array.isArray(target)) target.push(structuredClone(edit.value));
      else if (target !== null && typeof target === 'object') {
        Object.defineProperty(target, edit.key, { value: structuredClone(edit.value), enumerable: true, writable: true, configurable: true });
      } else set(structuredClone(edit.value));
      return;
    }
    case 'wrap':
      set([get()]);
      return;
  }
}

/**
 * JSON documents edited as trees: parsed from `seeds`, given up to `maxEdits` edits
 * (keys drawn from `keys`, the format's own field names), serialised again.
 */
export function mutatedJson(seeds: readonly Uint8Array[], keys: readonly string[], maxEdits = 3): fc.Arbitrary<Uint8Array> {
  const trees = seeds.map((s) => JSON.parse(Buffer.from(s).toString('utf8')) as Json);
  return fc
    .record({ tree: fc.constantFrom(...trees.keys()), edits: fc.array(treeEditArbitrary(keys), { minLength: 1, maxLength: maxEdits }) })
    .map(({ tree, edits }) => {
      const copy = structuredClone(trees[tree]!);
      for (const edit of edits) applyTreeEdit(copy, edit);
      return utf8(JSON.stringify(copy));
    });
}
