/**
 * The DPkg::Pre-Install-Pkgs v2/v3 input parser (src/hook/input.ts `parseHookInput`):
 * captures from real apt, edited, and text made of the format's pieces. Throws only
 * HookInputError; and every install it accepts names an absolute path without control
 * characters and a version — the files the hook will verify — so a misread line can
 * never hide a .deb from the check.
 */
import fc from 'fast-check';
import { HookInputError } from '../../src/hook/errors.js';
import { parseHookInput } from '../../src/hook/input.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, tokenSoup, utf8 } from './mutate.js';
import { projectFiles } from './seeds.js';

const TOKENS = ['VERSION 3\n', 'VERSION 2\n', 'Dir=/\n', 'APT::Architecture=amd64\n', '\n', ' ', '- - none', '1:2.0-1 amd64 same', '<', '>', '=', '**CONFIGURE**', '**REMOVE**', '**ERROR**', '/var/cache/apt/archives/a_1.0_all.deb', 'hello', '%3a', '%', '\r', '\u0000', '\u001b', '\u00e9', '\ufeff'];

let captures: Uint8Array[] = [];

export const hookInputTarget = defineTarget<Uint8Array>({
  name: 'hook-input',
  description: 'parseHookInput on edited apt captures: HookInputError only; every accepted install is an absolute, printable path',
  expected: [HookInputError],
  caseBoundMs: 1000,
  prepare() {
    captures = projectFiles('test/unit/hook/golden', '.txt');
    return Promise.resolve();
  },
  arbitrary() {
    return fc.oneof(
      { weight: 3, arbitrary: mutatedBytes(captures, TOKENS.map(utf8), 5) },
      { weight: 1, arbitrary: tokenSoup(TOKENS, 30).map(utf8) },
    );
  },
  run(bytes) {
    const input = parseHookInput(bytes);
    for (const action of input.actions) {
      if (action.kind !== 'install') continue;
      ensure(action.path.startsWith('/') && !/[\u0000-\u001f\u007f]/.test(action.path), `install of an unusable path ${JSON.stringify(action.path)}`);
      ensure(action.newVersion.length > 0, `install without a version on line ${action.line}`);
    }
  },
});
