/**
 * What apt writes to a DPkg::Pre-Install-Pkgs hook that asked for protocol version 3
 * (`DPkg::Tools::Options::<hook>::Version "3"`) or 2, parsed strictly and within bounds.
 *
 * apt writes it in apt-pkg/deb/dpkgpm.cc SendPkgsInfo (unchanged from apt 2.6 to 3.1):
 *
 *   VERSION 3
 *   <key>=<value>     one line per configuration item that has a value; the key is quoted
 *                     with QuoteString(tag, "=\"\n"), the value with QuoteString(value, "\n"),
 *                     so both are printable ASCII and `=` is quoted in the key only
 *   (empty line)
 *   <name> <old> <dir> <new> <action>
 *                     one line per package action: <old> and <new> are
 *                     `<version> <arch> <multi-arch>` (v3) or `<version>` (v2), `- - none` or
 *                     `-` when there is no such version; <dir> says how <new> compares to
 *                     <old> (`<` newer or first install, `=` same, `>` older or removal);
 *                     <action> is the .deb path, `**CONFIGURE**` or `**REMOVE**`
 *
 * The path is written raw, so it is the rest of the line and may hold spaces; the `%3a`
 * in apt's archive names (an epoch's colon) is part of the file name, not an escape.
 * Anything apt could not have written is refused: this input decides which files the
 * hook verifies, and a misread line would be a .deb nobody checks.
 *
 * Does not read the info fd, open or hash any file, or decide about packages.
 */
import { AptConfig, parseConfigItem } from '../apt/protocol/config.js';
import { AptProtocolError } from '../apt/protocol/errors.js';
import { quoteUntrusted } from '../deb/errors.js';
import { HookInputError } from './errors.js';

export type HookProtocolVersion = 2 | 3;

/** pkgCache::VerIterator::MultiArchType(): the only words apt writes. */
export type MultiArch = 'none' | 'same' | 'foreign' | 'allowed';

/** How the new version compares to the old one; `>` also when nothing is installed after. */
export type VersionDirection = '<' | '=' | '>';

interface ActionFields {
  /** 1-based line number in apt's input, for messages. */
  readonly line: number;
  /** The package name without an architecture qualifier (apt writes Pkg.Name()). */
  readonly name: string;
  readonly direction: VersionDirection;
  readonly oldVersion?: string;
  /** v3 only, like the multi-arch fields. */
  readonly oldArch?: string;
  readonly oldMultiArch?: MultiArch;
  readonly newVersion?: string;
  readonly newArch?: string;
  readonly newMultiArch?: MultiArch;
}

/** dpkg is about to unpack the .deb at `path` (absolute, as apt will pass it to dpkg). */
export interface InstallAction extends ActionFields {
  readonly kind: 'install';
  readonly newVersion: string;
  readonly path: string;
}

export interface ConfigureAction extends ActionFields {
  readonly kind: 'configure';
}

export interface RemoveAction extends ActionFields {
  readonly kind: 'remove';
}

export type HookAction = InstallAction | ConfigureAction | RemoveAction;

export interface HookInput {
  readonly version: HookProtocolVersion;
  /** apt's whole configuration as apt had it for this run (case-insensitive lookups). */
  readonly config: AptConfig;
  /** In apt's order. */
  readonly actions: readonly HookAction[];
}

export interface HookInputLimits {
  readonly maxBytes: number;
  readonly maxLineBytes: number;
  readonly maxActions: number;
}

/**
 * Far above real input (about 5 KB of configuration and two lines per package), so a
 * limit is only ever hit by garbage: `CommandLine::AsString` holds a whole command
 * line (up to ARG_MAX, 2 MiB, grown by quoting), and a distribution upgrade of every
 * Debian package is under 200 000 actions.
 */
export const DEFAULT_HOOK_INPUT_LIMITS: HookInputLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxLineBytes: 8 * 1024 * 1024,
  maxActions: 200_000,
};

/** Parses the whole input the hook read from `APT_HOOK_INFO_FD`. */
export function parseHookInput(input: Uint8Array | string, limits: HookInputLimits = DEFAULT_HOOK_INPUT_LIMITS): HookInput {
  const lines = splitLines(toBytes(input, limits.maxBytes), limits.maxLineBytes);
  const version = readVersion(lines[0] ?? '');

  let at = 1;
  const items: (readonly [string, string])[] = [];
  for (; at < lines.length && lines[at] !== ''; at++) items.push(readConfigLine(lines[at] ?? '', at + 1));
  if (at === lines.length) {
    throw new HookInputError('HOOK_INPUT_TRUNCATED', "apt's hook input ends inside the configuration block (no empty line after it)");
  }

  const actionLines = lines.length - at - 1;
  if (actionLines > limits.maxActions) {
    throw new HookInputError('HOOK_INPUT_TOO_LARGE', `apt's hook input lists ${actionLines} package actions, more than the limit of ${limits.maxActions}`);
  }
  const actions: HookAction[] = [];
  for (at++; at < lines.length; at++) actions.push(readAction(lines[at] ?? '', at + 1, version));

  return { version, config: AptConfig.fromItems(items), actions };
}

function toBytes(input: Uint8Array | string, maxBytes: number): Uint8Array {
  // A string is never shorter in UTF-16 units than in UTF-8 bytes: refuse before encoding.
  if (typeof input === 'string' && input.length > maxBytes) throw tooLarge(maxBytes);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

function tooLarge(maxBytes: number): HookInputError {
  return new HookInputError('HOOK_INPUT_TOO_LARGE', `apt's hook input is larger than the limit of ${maxBytes} bytes`);
}

/** Every line apt writes ends in "\n"; input that does not was cut short. */
function splitLines(bytes: Uint8Array, maxLineBytes: number): string[] {
  if (bytes.length === 0) {
    throw new HookInputError(
      'HOOK_INPUT_TRUNCATED',
      'apt sent the hook no input; set DPkg::Tools::Options::<hook>::Version "3" for this hook',
    );
  }
  if (bytes[bytes.length - 1] !== 0x0a) {
    throw new HookInputError('HOOK_INPUT_TRUNCATED', "apt's hook input ends inside a line (was apt interrupted?)");
  }
  for (let start = 0, line = 1; start < bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    if (end - start > maxLineBytes) {
      throw new HookInputError('HOOK_INPUT_TOO_LARGE', `line ${line} of apt's hook input is longer than the limit of ${maxLineBytes} bytes`);
    }
    start = end + 1;
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where the VERSION check refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new HookInputError('HOOK_INPUT_ENCODING', "apt's hook input is not UTF-8");
  }
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

function readVersion(line: string): HookProtocolVersion {
  if (line === 'VERSION 3') return 3;
  if (line === 'VERSION 2') return 2;
  if (line.startsWith('/')) {
    throw new HookInputError(
      'HOOK_INPUT_VERSION',
      'apt sent the hook bare .deb paths (protocol version 1); set DPkg::Tools::Options::<hook>::Version "3" for this hook',
    );
  }
  throw new HookInputError('HOOK_INPUT_VERSION', `apt's hook input starts with ${quoteUntrusted(line)}, not "VERSION 3" or "VERSION 2"`);
}

/** QuoteString leaves only printable ASCII, and the key is never empty. */
function readConfigLine(line: string, lineNumber: number): readonly [string, string] {
  if (!/^[\x21-\x7e]+$/.test(line) || line.indexOf('=') <= 0) {
    throw new HookInputError('HOOK_INPUT_CONFIG', `line ${lineNumber} of apt's hook input is not a quoted key=value item: ${quoteUntrusted(line)}`);
  }
  try {
    return parseConfigItem(line);
  } catch (e) {
    if (!(e instanceof AptProtocolError)) throw e;
    throw new HookInputError('HOOK_INPUT_CONFIG', `line ${lineNumber} of apt's hook input: ${e.message}`, { cause: e });
  }
}

// What dpkg accepts (lib/dpkg/parsehelp.c, lib/dpkg/arch.c); apt only writes what dpkg and
// its own cache hold, so anything else was not written by apt.
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;
const VERSION = /^[A-Za-z0-9.+~:-]+$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const MULTI_ARCH: readonly string[] = ['none', 'same', 'foreign', 'allowed'] satisfies MultiArch[];
/** A path with control characters would let a file name forge lines in apt's terminal output. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

interface VersionSide {
  readonly version?: string;
  readonly arch?: string;
  readonly multiArch?: MultiArch;
}

function readAction(line: string, lineNumber: number, protocol: HookProtocolVersion): HookAction {
  const bad = (why: string): HookInputError =>
    new HookInputError('HOOK_INPUT_ACTION', `line ${lineNumber} of apt's hook input ${why}: ${quoteUntrusted(line)}`);

  // The first fields never hold a space; the action (a raw path) is the rest of the line.
  const fieldCount = protocol === 3 ? 8 : 4;
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < fieldCount; i++) {
    const space = line.indexOf(' ', at);
    if (space < 0) throw bad(`has fewer than ${fieldCount + 1} fields`);
    fields.push(line.slice(at, space));
    at = space + 1;
  }
  const what = line.slice(at);

  const side = (start: number, label: string): VersionSide => {
    const [version = '', arch = '', multiArch = ''] = fields.slice(start, protocol === 3 ? start + 3 : start + 1);
    if (version === '-') {
      if (protocol === 3 && (arch !== '-' || multiArch !== 'none')) throw bad(`has no ${label} version but an architecture or multi-arch`);
      return {};
    }
    if (!VERSION.test(version)) throw bad(`has a malformed ${label} version`);
    if (protocol === 2) return { version };
    if (!ARCHITECTURE.test(arch)) throw bad(`has a malformed ${label} architecture`);
    if (!MULTI_ARCH.includes(multiArch)) throw bad(`has an unknown ${label} multi-arch type`);
    return { version, arch, multiArch: multiArch as MultiArch };
  };

  const name = fields[0] ?? '';
  if (!PACKAGE_NAME.test(name)) throw bad('has a malformed package name');
  const old = side(1, 'old');
  const direction = fields[protocol === 3 ? 4 : 2] ?? '';
  if (direction !== '<' && direction !== '=' && direction !== '>') throw bad('has no "<", "=" or ">" between the versions');
  const next = side(protocol === 3 ? 5 : 3, 'new');

  // apt writes "> -" when nothing is installed afterwards and "<" when nothing was before.
  if (next.version === undefined && direction !== '>') throw bad(`has no new version after "${direction}"`);
  if (old.version === undefined && next.version !== undefined && direction !== '<') throw bad(`has no old version before "${direction}"`);

  const fieldsOut: ActionFields = {
    line: lineNumber,
    name,
    direction,
    ...(old.version !== undefined && { oldVersion: old.version }),
    ...(old.arch !== undefined && { oldArch: old.arch }),
    ...(old.multiArch !== undefined && { oldMultiArch: old.multiArch }),
    ...(next.version !== undefined && { newVersion: next.version }),
    ...(next.arch !== undefined && { newArch: next.arch }),
    ...(next.multiArch !== undefined && { newMultiArch: next.multiArch }),
  };

  switch (what) {
    case '**CONFIGURE**':
      return { ...fieldsOut, kind: 'configure' };
    case '**REMOVE**':
      if (next.version !== undefined) throw bad('removes a package but names a new version');
      return { ...fieldsOut, kind: 'remove' };
    case '**ERROR**':
      // dpkgpm.cc writes this when the file it will give dpkg is not an absolute path.
      throw new HookInputError('HOOK_INPUT_NO_PATH', `apt has no absolute .deb path for ${quoteUntrusted(name)} (line ${lineNumber} says **ERROR**); refusing to install a file that cannot be checked`);
  }
  if (!what.startsWith('/')) throw bad('has neither an absolute .deb path nor **CONFIGURE** or **REMOVE**');
  if (CONTROL_CHARACTER.test(what)) throw bad('has a .deb path with control characters');
  if (next.version === undefined) throw bad('installs a .deb but names no new version');
  return { ...fieldsOut, kind: 'install', newVersion: next.version, path: what };
}
