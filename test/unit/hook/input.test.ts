/**
 * The Pre-Install-Pkgs input parser against real apt output (golden/, see its README)
 * and against every way the input can be wrong, asserted by error code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HookInputError } from '../../../src/hook/errors.js';
import type { HookInputErrorCode } from '../../../src/hook/errors.js';
import { DEFAULT_HOOK_INPUT_LIMITS, parseHookInput } from '../../../src/hook/input.js';
import type { HookInputLimits } from '../../../src/hook/input.js';

const golden = (name: string): Buffer => readFileSync(join(import.meta.dirname, 'golden', name));

function codeOf(input: Uint8Array | string, limits?: HookInputLimits): HookInputErrorCode {
  try {
    parseHookInput(input, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(HookInputError);
    expect((e as Error).message).not.toMatch(/[\u0000-\u001f\u007f]/);
    return (e as HookInputError).code;
  }
  throw new Error('expected a HookInputError');
}

const LAB = '/tmp/hooklab';
const ARCHIVES = `${LAB}/root/var/cache/apt/archives`;
/** A valid input around the given action lines. */
const withActions = (...lines: string[]): string => `VERSION 3\nDir=/\n\n${lines.map((l) => `${l}\n`).join('')}`;

describe('real apt 2.6 input (golden)', () => {
  it('mixed.v3: upgrade, reinstall, removal and a local .deb whose path has a space', () => {
    const input = parseHookInput(golden('mixed.v3.txt'));
    expect(input.version).toBe(3);
    expect(input.actions).toEqual([
      { line: 106, name: 'rbt-ma', kind: 'remove', direction: '>', oldVersion: '3.0', oldArch: 'amd64', oldMultiArch: 'same' },
      {
        line: 107,
        name: 'rbt-hello',
        kind: 'install',
        direction: '<',
        ...{ oldVersion: '1:2.0-1', oldArch: 'all', oldMultiArch: 'none' },
        ...{ newVersion: '1:2.1-1', newArch: 'all', newMultiArch: 'none' },
        path: `${ARCHIVES}/rbt-hello_1%3a2.1-1_all.deb`,
      },
      {
        line: 108,
        name: 'rbt-lib',
        kind: 'install',
        direction: '=',
        ...{ oldVersion: '1.0', oldArch: 'all', oldMultiArch: 'foreign' },
        ...{ newVersion: '1.0', newArch: 'all', newMultiArch: 'foreign' },
        path: `${ARCHIVES}/rbt-lib_1.0_all.deb`,
      },
      {
        line: 109,
        name: 'rbt-local',
        kind: 'install',
        direction: '<',
        ...{ newVersion: '0.1', newArch: 'all', newMultiArch: 'none' },
        path: `${LAB}/local dir/rbt-local_0.1_all.deb`,
      },
      {
        line: 110,
        name: 'rbt-hello',
        kind: 'configure',
        direction: '<',
        ...{ oldVersion: '1:2.0-1', oldArch: 'all', oldMultiArch: 'none' },
        ...{ newVersion: '1:2.1-1', newArch: 'all', newMultiArch: 'none' },
      },
      {
        line: 111,
        name: 'rbt-lib',
        kind: 'configure',
        direction: '=',
        ...{ oldVersion: '1.0', oldArch: 'all', oldMultiArch: 'foreign' },
        ...{ newVersion: '1.0', newArch: 'all', newMultiArch: 'foreign' },
      },
      { line: 112, name: 'rbt-local', kind: 'configure', direction: '<', newVersion: '0.1', newArch: 'all', newMultiArch: 'none' },
    ]);
  });

  it('mixed.v3: the configuration reads as apt had it', () => {
    const { config } = parseHookInput(golden('mixed.v3.txt'));
    expect(config.entries()).toHaveLength(103);
    expect(config.get('Binary')).toBe('apt-get');
    // Keys are case-insensitive, as in apt.
    expect(config.get('dir::bin::DPKG')).toBe('/usr/bin/dpkg');
    // Values decode %20; an unquoted "=" inside a value stays part of it.
    expect(config.get('CommandLine::AsString')).toBe(
      'apt-get -q -y install --reinstall rbt-lib rbt-hello rbt-ma- ./local dir/rbt-local_0.1_all.deb',
    );
    expect(config.getList('DPkg::Options')).toEqual([
      `--root=${LAB}/root`,
      `--admindir=${LAB}/root/var/lib/dpkg`,
      `--log=${LAB}/root/var/log/dpkg.log`,
      '--force-not-root',
    ]);
    expect(config.getList('DPkg::Pre-Install-Pkgs')).toEqual([`${LAB}/hook3.sh`, `${LAB}/hook2.sh`]);
    expect(config.get(`DPkg::Tools::Options::${LAB}/hook3.sh::InfoFD`)).toBe('5');
    // The hook finds the archives directory as apt does, and apt's paths are in it.
    expect(config.findDir('Dir::Cache::archives', '/var/cache/apt/archives/')).toBe(`${ARCHIVES}/`);
  });

  it('downgrade.v3: "=" in a value, and ">" for an older new version', () => {
    const input = parseHookInput(golden('downgrade.v3.txt'));
    expect(input.config.get('CommandLine::AsString')).toBe('apt-get -q -y install --allow-downgrades rbt-hello=1:2.0-1');
    expect(input.actions.map((a) => [a.kind, a.direction, a.oldVersion, a.newVersion])).toEqual([
      ['install', '>', '1:2.1-1', '1:2.0-1'],
      ['configure', '>', '1:2.1-1', '1:2.0-1'],
    ]);
  });

  it('install.v3: first installs from archives/, Multi-Arch same and foreign', () => {
    const input = parseHookInput(golden('install.v3.txt'));
    const installs = input.actions.filter((a) => a.kind === 'install');
    expect(installs.map((a) => [a.name, a.newVersion, a.newArch, a.newMultiArch, a.path])).toEqual([
      ['rbt-lib', '1.0', 'all', 'foreign', `${ARCHIVES}/rbt-lib_1.0_all.deb`],
      ['rbt-hello', '1:2.0-1', 'all', 'none', `${ARCHIVES}/rbt-hello_1%3a2.0-1_all.deb`],
      ['rbt-ma', '3.0', 'amd64', 'same', `${ARCHIVES}/rbt-ma_3.0_amd64.deb`],
    ]);
    expect(installs.every((a) => a.oldVersion === undefined && a.direction === '<')).toBe(true);
    expect(input.actions.filter((a) => a.kind === 'configure')).toHaveLength(3);
  });

  it('mixed.v2: the same run as mixed.v3 without the architecture columns', () => {
    const v2 = parseHookInput(golden('mixed.v2.txt'));
    const v3 = parseHookInput(golden('mixed.v3.txt'));
    expect(v2.version).toBe(2);
    expect(v2.config.entries()).toEqual(v3.config.entries());
    const withoutArch = v3.actions.map(({ oldArch: _a, oldMultiArch: _b, newArch: _c, newMultiArch: _d, ...rest }) => rest);
    expect(v2.actions).toEqual(withoutArch);
  });

  it('research note §8.1/§9.4: the lines the note quotes', () => {
    const input = parseHookInput(golden('research-note.v3.txt'));
    expect(input.config.getList('DPkg::Pre-Install-Pkgs')).toEqual(['/tmp/lab/hook.sh v1', '/tmp/lab/hook3.sh v3']);
    expect(input.config.getList('DPkg::Options')).toEqual(['--root=/tmp/lab/root']);
    expect(input.actions.map((a) => `${a.kind} ${a.name} ${a.kind === 'install' ? a.path : ''}`)).toEqual([
      'install rbt-lib /tmp/lab/root/var/cache/apt/archives/rbt-lib_1.0_all.deb',
      'configure rbt-lib ',
      'remove rbt-hello ',
      'install rbt-local /tmp/lab/rbt-local_0.1_all.deb',
      'configure rbt-local ',
    ]);
  });

  it('reads bytes and text alike', () => {
    const bytes = golden('mixed.v3.txt');
    expect(parseHookInput(bytes.toString('utf8'))).toEqual(parseHookInput(bytes));
  });
});

describe('what apt can write that the captures do not show', () => {
  it('accepts a run with no package actions, and an empty configuration', () => {
    expect(parseHookInput('VERSION 3\nDir=/\n\n').actions).toEqual([]);
    expect(parseHookInput('VERSION 3\n\nrbt-a 1 all none > - - none **REMOVE**\n').config.entries()).toEqual([]);
  });

  it('keeps every byte of a path: runs of spaces, a trailing space, %, UTF-8', () => {
    const path = '/srv/my  debs /caf\u00e9 %41 x_1.0_all.deb ';
    const [action] = parseHookInput(withActions(`x - - none < 1.0 all none ${path}`)).actions;
    expect(action).toMatchObject({ kind: 'install', path });
  });

  it('removes a package that has no version left to name (- - none > - - none)', () => {
    const [action] = parseHookInput(withActions('x - - none > - - none **REMOVE**')).actions;
    expect(action).toEqual({ line: 4, name: 'x', kind: 'remove', direction: '>' });
  });

  it('takes the name apt writes (no :arch qualifier) and versions with epoch, tilde, plus', () => {
    const [action] = parseHookInput(withActions('libc6 2:2.36-9+deb12u1~bpo1 amd64 same < 2:2.36-9+deb12u2 amd64 same /a/libc6_2%3a2.36-9+deb12u2_amd64.deb')).actions;
    expect(action).toMatchObject({ name: 'libc6', oldVersion: '2:2.36-9+deb12u1~bpo1', newVersion: '2:2.36-9+deb12u2' });
  });

  it('accepts the "allowed" multi-arch type and a cross-grade between architectures', () => {
    const [action] = parseHookInput(withActions('perl 5.36.0-7 i386 allowed < 5.36.0-8 amd64 allowed /a/perl.deb')).actions;
    expect(action).toMatchObject({ oldArch: 'i386', newArch: 'amd64', newMultiArch: 'allowed' });
  });

  it('accepts a configure line without a new version', () => {
    const [action] = parseHookInput(withActions('x 1.0 all none > - - none **CONFIGURE**')).actions;
    expect(action).toMatchObject({ kind: 'configure', oldVersion: '1.0' });
  });

  it('the default limits hold a real input many times over', () => {
    const input = golden('mixed.v3.txt');
    expect(input.length * 1000).toBeLessThan(DEFAULT_HOOK_INPUT_LIMITS.maxBytes);
  });
});

describe('refusals', () => {
  const limits = (over: Partial<HookInputLimits>): HookInputLimits => ({ ...DEFAULT_HOOK_INPUT_LIMITS, ...over });
  const action = 'x - - none < 1.0 all none /a/x.deb';

  it.each<[string, string | Uint8Array, HookInputErrorCode]>([
    ['no input at all (a version 1 hook in a removal-only run)', '', 'HOOK_INPUT_TRUNCATED'],
    ['input cut inside a line', withActions(action).slice(0, -1), 'HOOK_INPUT_TRUNCATED'],
    ['no empty line after the configuration', 'VERSION 3\nDir=/\n', 'HOOK_INPUT_TRUNCATED'],
    ['only the version line', 'VERSION 3\n', 'HOOK_INPUT_TRUNCATED'],
    ['bare paths (protocol version 1)', '/var/cache/apt/archives/x_1.0_all.deb\n', 'HOOK_INPUT_VERSION'],
    ['VERSION 1', 'VERSION 1\n\n', 'HOOK_INPUT_VERSION'],
    ['VERSION 4 (apt serves 3 for any higher request)', 'VERSION 4\n\n', 'HOOK_INPUT_VERSION'],
    ['a lowercase version line', 'version 3\n\n', 'HOOK_INPUT_VERSION'],
    ['CRLF line ends', 'VERSION 3\r\n\r\n', 'HOOK_INPUT_VERSION'],
    ['a byte-order mark', '\ufeffVERSION 3\n\n', 'HOOK_INPUT_VERSION'],
    ['bytes that are not UTF-8', new Uint8Array([...Buffer.from(withActions('x - - none < 1.0 all none /a/'), 'utf8').subarray(0, -1), 0xff, 0x0a]), 'HOOK_INPUT_ENCODING'],
    ['a raw space in a configuration value', 'VERSION 3\nA=b c\n\n', 'HOOK_INPUT_CONFIG'],
    ['a raw tab in a configuration value', 'VERSION 3\nA=b\tc\n\n', 'HOOK_INPUT_CONFIG'],
    ['a configuration line without "="', 'VERSION 3\nDir\n\n', 'HOOK_INPUT_CONFIG'],
    ['a configuration line with an empty key', 'VERSION 3\n=x\n\n', 'HOOK_INPUT_CONFIG'],
    ['a bare % in a configuration value', 'VERSION 3\nA=100%\n\n', 'HOOK_INPUT_CONFIG'],
    ['raw UTF-8 in a configuration value', 'VERSION 3\nA=caf\u00e9\n\n', 'HOOK_INPUT_CONFIG'],
    ['too few fields', withActions('x - - none < 1.0 all none'), 'HOOK_INPUT_ACTION'],
    ['v2 fields in a v3 input', withActions('x - < 1.0 /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a doubled space between fields', withActions('x  - - none < 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['an empty line among the actions', withActions(action, '', action), 'HOOK_INPUT_ACTION'],
    ['a malformed package name', withActions('-x - - none < 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a name with an architecture qualifier', withActions('x:amd64 - - none < 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a version with a character dpkg refuses', withActions('x - - none < 1.0$ all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['an architecture without a version', withActions('x - all none < 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a multi-arch without a version', withActions('x - - same < 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['an uppercase architecture', withActions('x - - none < 1.0 AMD64 none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['an unknown multi-arch type', withActions('x - - none < 1.0 all weird /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['no direction marker', withActions('x - - none ~ 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['"<" with no new version', withActions('x 1.0 all none < - - none **REMOVE**'), 'HOOK_INPUT_ACTION'],
    ['"=" with no old version', withActions('x - - none = 1.0 all none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a removal that names a new version', withActions('x 1.0 all none < 2.0 all none **REMOVE**'), 'HOOK_INPUT_ACTION'],
    ['an install with no new version', withActions('x 1.0 all none > - - none /a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['a relative .deb path', withActions('x - - none < 1.0 all none a/x.deb'), 'HOOK_INPUT_ACTION'],
    ['an unknown action word', withActions('x - - none < 1.0 all none **PURGE**'), 'HOOK_INPUT_ACTION'],
    ['a path with a carriage return', withActions('x - - none < 1.0 all none /a/x.deb\r'), 'HOOK_INPUT_ACTION'],
    ['a path with an escape sequence', withActions('x - - none < 1.0 all none /a/\u001b[2Jx.deb'), 'HOOK_INPUT_ACTION'],
    ['**ERROR** instead of a path', withActions('x - - none < 1.0 all none **ERROR**'), 'HOOK_INPUT_NO_PATH'],
  ])('%s', (_what, input, code) => {
    expect(codeOf(input)).toBe(code);
  });

  it('refuses input over the byte limit, as text or as bytes', () => {
    const text = withActions(action);
    expect(codeOf(text, limits({ maxBytes: text.length - 1 }))).toBe('HOOK_INPUT_TOO_LARGE');
    expect(codeOf(Buffer.from(text), limits({ maxBytes: text.length - 1 }))).toBe('HOOK_INPUT_TOO_LARGE');
    expect(parseHookInput(text, limits({ maxBytes: text.length })).actions).toHaveLength(1);
  });

  it('counts the byte limit in UTF-8 bytes, not characters', () => {
    const text = withActions('x - - none < 1.0 all none /\u00e9.deb');
    const bytes = Buffer.byteLength(text);
    expect(codeOf(text, limits({ maxBytes: bytes - 1 }))).toBe('HOOK_INPUT_TOO_LARGE');
    expect(parseHookInput(text, limits({ maxBytes: bytes })).actions).toHaveLength(1);
  });

  it('refuses a line over the line limit', () => {
    expect(codeOf(withActions(action), limits({ maxLineBytes: action.length - 1 }))).toBe('HOOK_INPUT_TOO_LARGE');
    expect(parseHookInput(withActions(action), limits({ maxLineBytes: action.length })).actions).toHaveLength(1);
  });

  it('refuses more actions than the limit', () => {
    expect(codeOf(withActions(action, action, action), limits({ maxActions: 2 }))).toBe('HOOK_INPUT_TOO_LARGE');
    expect(parseHookInput(withActions(action, action), limits({ maxActions: 2 })).actions).toHaveLength(2);
  });

  it('tells the admin how to fix a hook left at protocol version 1', () => {
    expect(() => parseHookInput('/var/cache/apt/archives/x_1.0_all.deb\n')).toThrow(/Version "3"/);
  });

  it('quotes hostile text in messages', () => {
    expect(() => parseHookInput('\u001b[2JVERSION 3\n\n')).toThrow(/\\u\{1b\}\[2JVERSION 3/);
  });
});
