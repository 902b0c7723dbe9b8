/**
 * Properties of the hook input parser over generated input: nothing throws an untyped
 * error (random text, random bytes, real captures with one byte changed), and whatever
 * apt's writer (dpkgpm.cc SendPkgsInfo, restated below) can produce parses back to what
 * it was written from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteConfigString } from '../../../src/apt/protocol/config.js';
import { HookInputError } from '../../../src/hook/errors.js';
import type { HookAction, HookProtocolVersion, MultiArch } from '../../../src/hook/input.js';
import { parseHookInput } from '../../../src/hook/input.js';

function typedOrOk(input: Uint8Array | string): void {
  try {
    parseHookInput(input);
  } catch (e) {
    if (!(e instanceof HookInputError)) throw e;
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
}

/** Pieces of real input and the characters that break it. */
const hookish = fc
  .array(
    fc.oneof(
      fc.constantFrom('VERSION 3\n', 'VERSION 2\n', 'Dir=/\n', 'A::=b%20c\n', '\n', ' ', '-', '- - none', '<', '>', '=', 'all', 'same', '**CONFIGURE**', '**REMOVE**', '**ERROR**', '/a/x.deb', '%', '\r', '\u0000', '\u001b', '\u00e9', '\ud800', '\ufeff'),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** Restates SendPkgsInfo: what apt writes for a configuration and a list of actions. */
function writeLikeApt(version: HookProtocolVersion, config: [string, string][], actions: HookAction[]): string {
  const side = (v?: string, arch?: string, ma?: MultiArch): string =>
    v === undefined ? (version === 3 ? '- - none' : '-') : version === 3 ? `${v} ${arch} ${ma}` : v;
  const what = (a: HookAction): string => (a.kind === 'install' ? a.path : a.kind === 'configure' ? '**CONFIGURE**' : '**REMOVE**');
  return [
    `VERSION ${version}\n`,
    // QuoteString(key, "=\"\n") and QuoteString(value, "\n"): `=` and `"` stay literal in a value.
    ...config.map(([k, v]) => `${quoteConfigString(k)}=${quoteConfigString(v).replace(/%3d/g, '=').replace(/%22/g, '"')}\n`),
    '\n',
    ...actions.map(
      (a) => `${a.name} ${side(a.oldVersion, a.oldArch, a.oldMultiArch)} ${a.direction} ${side(a.newVersion, a.newArch, a.newMultiArch)} ${what(a)}\n`,
    ),
  ].join('');
}

const token = (chars: string, min = 1): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: 10 });
const name = fc.tuple(token('abcz019', 1), token('abz09+.-_', 0)).map(([a, b]) => a + b);
const version = fc
  .tuple(fc.option(fc.nat(99), { nil: undefined }), token('0123456789abcZ.+~-'))
  .map(([epoch, rest]) => (epoch === undefined ? `1${rest}` : `${epoch}:${rest}`));
const arch = fc.constantFrom('all', 'amd64', 'i386', 'arm64', 'x32');
const multiArch = fc.constantFrom<MultiArch>('none', 'same', 'foreign', 'allowed');
const path = fc
  .array(fc.oneof(token('abc_.%3 -'), fc.constantFrom('caf\u00e9', 'dir with space', '1%3a2.0')), { minLength: 1, maxLength: 4 })
  .map((parts) => `/${parts.join('/')}.deb`);

/** Actions in the combinations apt writes, with the v3 columns when `version` is 3. */
const action = (protocol: HookProtocolVersion): fc.Arbitrary<Omit<HookAction, 'line'>> =>
  fc
    .record({
      name,
      kind: fc.constantFrom('install', 'configure', 'remove'),
      old: fc.option(fc.record({ version, arch, multiArch }), { nil: undefined }),
      next: fc.record({ version, arch, multiArch }),
      direction: fc.constantFrom<'<' | '=' | '>'>('<', '=', '>'),
      path,
    })
    .map(({ name, kind, old, next, direction, path }) => {
      const oldSide = old && {
        oldVersion: old.version,
        ...(protocol === 3 && { oldArch: old.arch, oldMultiArch: old.multiArch }),
      };
      const newSide = kind !== 'remove' && {
        newVersion: next.version,
        ...(protocol === 3 && { newArch: next.arch, newMultiArch: next.multiArch }),
      };
      const dir = kind === 'remove' ? '>' : old ? direction : '<';
      const base = { name, direction: dir, ...oldSide, ...newSide };
      return kind === 'install' ? { ...base, kind, newVersion: next.version, path } : { ...base, kind };
    });

const configItems = fc.array(
  fc.tuple(
    fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }).map((tags) => tags.join('::')),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  ),
  { maxLength: 8 },
);

describe('hook input properties', () => {
  it('random text only ever fails with a HookInputError', () => {
    fc.assert(fc.property(hookish, typedOrOk), { numRuns: 3000 });
  });

  it('random bytes only ever fail with a HookInputError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), typedOrOk), { numRuns: 2000 });
  });

  it('a real capture with one byte changed, cut or inserted only ever fails with a HookInputError', () => {
    const real = readFileSync(join(import.meta.dirname, 'golden', 'mixed.v3.txt'));
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert'), (at, byte, how) => {
        const changed =
          how === 'set'
            ? Buffer.concat([real.subarray(0, at), Buffer.of(byte), real.subarray(at + 1)])
            : how === 'cut'
              ? real.subarray(0, at)
              : Buffer.concat([real.subarray(0, at), Buffer.of(byte), real.subarray(at)]);
        typedOrOk(changed);
      }),
      { numRuns: 3000 },
    );
  });

  it.each<HookProtocolVersion>([3, 2])('what apt writes (v%d) parses back to what it was written from', (protocol) => {
    fc.assert(
      fc.property(configItems, fc.array(action(protocol), { maxLength: 6 }), (config, written) => {
        const actions = written.map((a, i) => ({ ...a, line: config.length + 3 + i }) as HookAction);
        const input = parseHookInput(writeLikeApt(protocol, config, actions));
        expect(input.version).toBe(protocol);
        expect(input.config.entries()).toEqual(config);
        expect(input.actions).toEqual(actions);
      }),
      { numRuns: 1000 },
    );
  });
});
