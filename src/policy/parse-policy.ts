/**
 * Policy YAML -> PolicyDocument, strictly: unknown fields, wrong kinds and bad
 * values are errors naming the field path and line, because a policy that is
 * read differently from how it was meant fails open in the admin's head.
 * Pure: paths are resolved against the policy file's folder with `node:path`
 * string arithmetic, never against the process's working directory, and no file
 * is opened here.
 */
import path from 'node:path';

import {
  CONFLICT_ACTIONS,
  POLICY_FIELDS,
  POLICY_MODES,
  POLICY_VERSION,
  REBUILDER_TYPES,
  type Exemption,
  type FileReference,
  type PackageMatch,
  type PolicyDocument,
  type RebuilderDocument,
  type RebuilderEndpoint,
  type RuleDocument,
  type TrustRootDocument,
} from './document.js';
import { utcDayStart } from './exemption.js';
import { PACKAGE_GLOB, parseHost } from './match.js';
import { parseStrictYaml } from './strict-yaml.js';
import { assertThresholdsReachable } from './thresholds.js';
import { PolicyReader, type Fields, type Located } from './yaml-reader.js';

/** Rebuilder names become directory names in the cache and in bundles: no separators, no dot-dot, no upper case. */
const SAFE_TOKEN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_REASON = 300;

export function parsePolicy(text: string, file: string): PolicyDocument {
  const reader = new PolicyReader(file, parseStrictYaml(text, file));
  const root = reader.root();
  if (root.node === null) reader.fail('POLICY_TYPE', root, `the policy is empty; it starts with "version: ${POLICY_VERSION}"`);
  const top = reader.fields(root);
  // Version first: a file written for a later format should say so, not list its new fields as typos.
  readVersion(reader, top.require('version', `the policy format; write "version: ${POLICY_VERSION}"`));
  top.rejectUnknown(POLICY_FIELDS.policy);

  const folder = path.dirname(file);
  const optional = <T>(name: string, read: (at: Located) => T): T | undefined => {
    const at = top.get(name);
    return at === undefined ? undefined : read(at);
  };

  const mode = optional('mode', (at) => reader.oneOf(at, POLICY_MODES)) ?? 'enforce';
  const onConflict = optional('on-conflict', (at) => reader.oneOf(at, CONFLICT_ACTIONS)) ?? 'refuse';
  const trustRoot = optional('trust-root', (at) => readTrustRoot(reader, at, folder));
  const threshold =
    trustRoot === undefined
      ? readThreshold(reader, top.require('threshold', 'how many independent operators must attest a package'))
      : optional('threshold', (at) => readThreshold(reader, at));
  const rebuilders = readRebuilders(reader, top.require('rebuilders', 'where attestations come from and who signs them'), folder);
  const rules = optional('rules', (at) => reader.list(at, 'rules', { allowEmpty: true }).map((item, index) => readRule(reader, item, index, rebuilders))) ?? [];

  const doc: PolicyDocument = { file, mode, threshold, onConflict, rebuilders, rules, trustRoot, lines: reader.lines };
  // With a trust root and no threshold here, the layout supplies it; bindPolicy checks then.
  if (threshold !== undefined) assertThresholdsReachable(doc, threshold, 'threshold');
  return doc;
}

function readVersion(reader: PolicyReader, at: Located): void {
  const version = reader.wholeNumber(at, 'the policy format version');
  if (version !== POLICY_VERSION) {
    reader.fail('POLICY_VALUE', at, `this reprogate reads policy version ${POLICY_VERSION}, not ${version}`);
  }
}

function readThreshold(reader: PolicyReader, at: Located): number {
  const threshold = reader.wholeNumber(at, 'a threshold');
  if (threshold < 1) reader.fail('POLICY_VALUE', at, 'threshold must be at least 1: 0 would accept packages nobody rebuilt');
  return threshold;
}

function readRebuilders(reader: PolicyReader, at: Located, folder: string): RebuilderDocument[] {
  const lineOfName = new Map<string, number>();
  return reader.list(at, 'rebuilders').map((item) => readRebuilder(reader, item, folder, lineOfName));
}

function readRebuilder(reader: PolicyReader, at: Located, folder: string, lineOfName: Map<string, number>): RebuilderDocument {
  const fields = reader.fields(at, POLICY_FIELDS.rebuilder);
  const nameAt = fields.require('name', 'a short name, used as a directory name');
  const name = readToken(reader, nameAt, 'a rebuilder name');
  const earlier = lineOfName.get(name);
  if (earlier !== undefined) reader.fail('POLICY_VALUE', nameAt, `rebuilder name "${name}" is already used on line ${earlier}; names must be unique`);
  lineOfName.set(name, nameAt.line);
  const operatorAt = fields.get('operator');
  const operator = operatorAt === undefined ? name : readToken(reader, operatorAt, 'an operator name');
  const type = reader.oneOf(fields.require('type', `one of ${REBUILDER_TYPES.join(', ')}`), REBUILDER_TYPES);
  const urlAt = fields.require('url', type === 'directory' ? 'the folder holding its attestations' : 'its base URL');
  const endpoint: RebuilderEndpoint =
    type === 'directory' ? { type, directory: readDirectory(reader, urlAt, folder) } : { type, url: readHttpUrl(reader, urlAt) };
  const keys = readFileList(reader, fields.require('keys', 'the public keys its attestations are signed with'), folder, 'key files');
  return { ...endpoint, name, operator, keys };
}

function readToken(reader: PolicyReader, at: Located, what: string): string {
  const value = reader.text(at, what);
  if (!SAFE_TOKEN.test(value)) {
    reader.fail('POLICY_VALUE', at, `${what} must be lower-case letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64 characters), found ${JSON.stringify(value)}`);
  }
  return value;
}

function readHttpUrl(reader: PolicyReader, at: Located): string {
  const written = reader.text(at, 'a URL');
  let url: URL;
  try {
    url = new URL(written);
  } catch {
    return reader.fail('POLICY_VALUE', at, `not a valid URL: ${JSON.stringify(written)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    reader.fail('POLICY_VALUE', at, `expected an http:// or https:// URL, found ${url.protocol}`);
  }
  // Credentials would be copied into logs, cache paths and error messages.
  if (url.username !== '' || url.password !== '') reader.fail('POLICY_VALUE', at, 'a rebuilder URL may not carry a user name or password');
  // Request paths are appended to the URL; a query or fragment would end up in the middle of them.
  if (url.search !== '' || url.hash !== '') reader.fail('POLICY_VALUE', at, 'a rebuilder URL may not carry a query (?…) or fragment (#…)');
  return url.href;
}

function readDirectory(reader: PolicyReader, at: Located, folder: string): string {
  const written = reader.text(at, 'a directory path');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written)) {
    reader.fail('POLICY_VALUE', at, 'a directory rebuilder takes a folder path, not a URL');
  }
  return resolvePath(reader, at, written, folder, 'a directory path');
}

function readFileList(reader: PolicyReader, at: Located, folder: string, what: string): FileReference[] {
  const references: FileReference[] = [];
  for (const item of reader.list(at, what)) {
    const reference = readFileReference(reader, item, folder);
    const twice = references.find((r) => r.file === reference.file);
    if (twice !== undefined) reader.fail('POLICY_VALUE', item, `${reference.file} is already listed as ${twice.path}`);
    references.push(reference);
  }
  return references;
}

function readFileReference(reader: PolicyReader, at: Located, folder: string): FileReference {
  const file = resolvePath(reader, at, reader.text(at, 'a file path'), folder, 'a file path');
  return { file, path: at.path, line: at.line };
}

/** Relative paths start at the policy file's folder, so a policy and its keys move together. */
function resolvePath(reader: PolicyReader, at: Located, written: string, folder: string, what: string): string {
  if (written.trim() === '') reader.fail('POLICY_VALUE', at, `expected ${what}, found empty text`);
  return path.isAbsolute(written) ? path.normalize(written) : path.join(folder, written);
}

function readTrustRoot(reader: PolicyReader, at: Located, folder: string): TrustRootDocument {
  const fields = reader.fields(at, POLICY_FIELDS.trustRoot);
  const layout = readFileReference(reader, fields.require('layout', 'the signed in-toto root.layout'), folder);
  const keys = readFileList(reader, fields.require('keys', 'the keys that sign the layout'), folder, 'key files');
  return { layout, keys };
}

function readRule(reader: PolicyReader, at: Located, index: number, rebuilders: readonly RebuilderDocument[]): RuleDocument {
  const fields = reader.fields(at, POLICY_FIELDS.rule);
  const match = readMatch(reader, fields.require('match', 'which packages the rule is for: package and/or origin'));
  const thresholdAt = fields.get('threshold');
  const rebuildersAt = fields.get('rebuilders');
  const exemptAt = fields.get('exempt');
  return {
    index,
    line: at.line,
    match,
    threshold: thresholdAt === undefined ? undefined : readThreshold(reader, thresholdAt),
    rebuilders: rebuildersAt === undefined ? undefined : readRuleRebuilders(reader, rebuildersAt, rebuilders),
    exempt: exemptAt === undefined ? undefined : readExemption(reader, reader.fields(exemptAt, POLICY_FIELDS.exempt)),
  };
}

function readMatch(reader: PolicyReader, at: Located): PackageMatch {
  const fields = reader.fields(at, POLICY_FIELDS.match);
  const packageAt = fields.get('package');
  const originAt = fields.get('origin');
  if (packageAt === undefined && originAt === undefined) {
    reader.fail('POLICY_MISSING', at, 'a match needs "package" (a glob over package names) and/or "origin" (a repository host)');
  }
  return {
    package: packageAt === undefined ? undefined : readPackageGlob(reader, packageAt),
    origin: originAt === undefined ? undefined : readOrigin(reader, originAt),
  };
}

function readPackageGlob(reader: PolicyReader, at: Located): string {
  const glob = reader.text(at, 'a package name or glob');
  if (!PACKAGE_GLOB.test(glob)) {
    reader.fail('POLICY_VALUE', at,
      `expected a package name with optional "*" and "?" wildcards (lower-case letters, digits, "+", "-", "."), found ${JSON.stringify(glob)}`);
  }
  return glob;
}

function readOrigin(reader: PolicyReader, at: Located): string {
  const written = reader.text(at, 'a host name');
  const parsed = parseHost(written);
  if (parsed === undefined || written.includes('*')) {
    reader.fail('POLICY_VALUE', at, `expected the host of a repository URI (like "deb.example.org"), found ${JSON.stringify(written)}`);
  }
  if (parsed.port !== '') reader.fail('POLICY_VALUE', at, 'origin is a host name; leave the port out');
  return parsed.host;
}

function readRuleRebuilders(reader: PolicyReader, at: Located, rebuilders: readonly RebuilderDocument[]): string[] {
  const names: string[] = [];
  for (const item of reader.list(at, 'rebuilder names')) {
    const name = reader.text(item, 'a rebuilder name');
    if (!rebuilders.some((r) => r.name === name)) {
      reader.fail('POLICY_VALUE', item, `no rebuilder is named ${JSON.stringify(name)}; known: ${rebuilders.map((r) => r.name).join(', ')}`);
    }
    if (names.includes(name)) reader.fail('POLICY_VALUE', item, `rebuilder "${name}" is listed twice`);
    names.push(name);
  }
  return names;
}

function readExemption(reader: PolicyReader, fields: Fields): Exemption {
  const reasonAt = fields.require('reason', 'why these packages may pass short of the threshold; shown with every use');
  const reason = reader.text(reasonAt, 'a reason').trim();
  if (reason === '') reader.fail('POLICY_VALUE', reasonAt, 'an exemption needs a reason; it is shown with every package it lets through');
  if (reason.length > MAX_REASON) reader.fail('POLICY_VALUE', reasonAt, `a reason is one line of at most ${MAX_REASON} characters`);
  const untilAt = fields.require('until', 'the last day (YYYY-MM-DD, UTC) the exemption holds');
  const until = reader.text(untilAt, 'a date (YYYY-MM-DD)');
  if (utcDayStart(until) === undefined) {
    reader.fail('POLICY_VALUE', untilAt, `expected a real calendar date written YYYY-MM-DD, found ${JSON.stringify(until)}`);
  }
  return { reason, until };
}
