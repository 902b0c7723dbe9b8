/**
 * The identity of a binary package from its control file (deb-control(5)): one
 * deb822 paragraph whose Package, Version and Architecture fields name the .deb, and
 * whose optional Source field names the source package it was built from.
 *
 * The paragraph parser is strict where leniency would let two readers disagree: a
 * field given twice, a second paragraph, a comment, or bytes that are not UTF-8 are
 * refused, not resolved. It does not interpret any other field (Depends, Description,
 * ...). Pure: no I/O.
 */
import { DebError, quoteUntrusted } from './errors.js';
import { isArchitecture, isPackageName, isVersion } from './fields.js';

export interface DebIdentity {
  package: string;
  /** The full version, epoch included (`1:2.0-1`). */
  version: string;
  architecture: string;
  /** From `Source: name` or `Source: name (version)`; defaults to the binary's own. */
  source: { name: string; version: string };
  multiArch?: string;
}

interface Field {
  /** The name as written (for messages); lookups use the lower-cased form. */
  name: string;
  /** Continuation lines joined with `\n`, so no one-line field can hide one. */
  value: string;
}

// deb822: a field name is printable US-ASCII except `:`, and starts with neither `#`
// nor `-`. The value follows the colon; surrounding blanks are not part of it.
const FIELD_LINE = /^([!-9;-~][!-9;-~]*):[ \t]*(.*?)[ \t]*$/;
const BLANK_LINE = /^[ \t]*$/;
// Tab is the one control character deb822 allows (in continuation indentation).
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/u;
const MULTI_ARCH_VALUES = new Set(['no', 'same', 'foreign', 'allowed']);

function syntaxError(message: string): DebError {
  return new DebError('DEB_CONTROL_SYNTAX', `control file: ${message}`);
}

function fieldError(message: string): DebError {
  return new DebError('DEB_CONTROL_FIELD', `control file: ${message}`);
}

/** Fields of the single paragraph, keyed by lower-cased name (names are case-insensitive). */
export function parseControlParagraph(text: string): Map<string, Field> {
  const fields = new Map<string, Field>();
  let current: Field | undefined;
  let paragraphEnded = false;
  const lines = text.split('\n');
  // A final newline leaves one empty string behind; it is not a line.
  if (lines[lines.length - 1] === '') lines.pop();

  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (FORBIDDEN_CHARACTER.test(line)) throw syntaxError(`${where} contains a control character`);
    if (BLANK_LINE.test(line)) {
      if (fields.size > 0) paragraphEnded = true;
      current = undefined;
      return;
    }
    if (paragraphEnded) throw syntaxError(`${where} starts a second paragraph; a package has one`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === undefined) throw syntaxError(`${where} is a continuation line with no field before it`);
      current.value += `\n${line}`;
      return;
    }
    const match = FIELD_LINE.exec(line);
    if (match === null || line.startsWith('#') || line.startsWith('-')) {
      throw syntaxError(`${where} is not a "Field: value" line`);
    }
    const name = match[1]!;
    const key = name.toLowerCase();
    if (fields.has(key)) throw syntaxError(`field ${quoteUntrusted(name)} appears twice`);
    current = { name, value: match[2]! };
    fields.set(key, current);
  });
  if (fields.size === 0) throw syntaxError('no fields');
  return fields;
}

/**
 * A field's value, or undefined when absent. The identity fields are one-line; a
 * continuation shows up as a `\n` in the value, which their grammars refuse.
 */
function simpleField(fields: Map<string, Field>, name: string): string | undefined {
  return fields.get(name.toLowerCase())?.value;
}

function requiredField(fields: Map<string, Field>, name: string, valid: (value: string) => boolean, what: string): string {
  const value = simpleField(fields, name);
  if (value === undefined || value === '') throw fieldError(`no ${name} field`);
  if (!valid(value)) throw fieldError(`${name} ${quoteUntrusted(value)} is not ${what}`);
  return value;
}

// `Source: name` or `Source: name (version)`, as dpkg-gencontrol writes it when the
// binary's name or version differs from its source's (binNMUs, renamed binaries).
const SOURCE_FIELD = /^(\S+)(?:[ \t]+\((\S+)\))?$/;

function sourceOf(fields: Map<string, Field>, name: string, version: string): DebIdentity['source'] {
  const value = simpleField(fields, 'Source');
  if (value === undefined) return { name, version };
  const match = SOURCE_FIELD.exec(value);
  const sourceName = match?.[1];
  const sourceVersion = match?.[2] ?? version;
  if (sourceName === undefined || !isPackageName(sourceName) || !isVersion(sourceVersion)) {
    throw fieldError(`Source ${quoteUntrusted(value)} is not "name" or "name (version)"`);
  }
  return { name: sourceName, version: sourceVersion };
}

// ignoreBOM keeps a byte-order mark in the text, where the field syntax refuses it,
// instead of silently dropping it as dpkg would not.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The identity declared by a control file's bytes. */
export function identityFromControl(bytes: Uint8Array): DebIdentity {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw syntaxError('not valid UTF-8');
  }
  const fields = parseControlParagraph(text);
  const name = requiredField(fields, 'Package', isPackageName, 'a valid package name');
  const version = requiredField(fields, 'Version', isVersion, 'a valid Debian version');
  const architecture = requiredField(fields, 'Architecture', isArchitecture, 'a single binary architecture');
  const identity: DebIdentity = { package: name, version, architecture, source: sourceOf(fields, name, version) };
  const multiArch = simpleField(fields, 'Multi-Arch');
  if (multiArch !== undefined) {
    if (!MULTI_ARCH_VALUES.has(multiArch)) throw fieldError(`Multi-Arch ${quoteUntrusted(multiArch)} is not no, same, foreign or allowed`);
    identity.multiArch = multiArch;
  }
  return identity;
}
