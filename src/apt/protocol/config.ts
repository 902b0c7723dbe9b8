/**
 * apt's configuration as a method receives it in `601 Configuration`, and as the
 * DPkg::Pre-Install-Pkgs v3 hook receives it (same `key=value` items, same quoting).
 *
 * Quoting (apt-pkg/contrib/strutl.cc QuoteString, used by Configuration::Dump):
 * `%`, bytes <= 0x20, bytes >= 0x7F and the characters given as "bad" (`=`, `"`,
 * newline for 601) become `%xx` in lowercase hex. DeQuoteString turns every `%xx`
 * back into its byte. apt's DeQuoteString passes a malformed `%` through; we refuse
 * it (APT_CONFIG), since QuoteString never writes a bare `%`: such an item was not
 * written by apt.
 *
 * Lookup follows apt's Configuration tree: keys are `::` separated, compared
 * case-insensitively, a later value replaces an earlier one, and a key ending in
 * `::` adds an anonymous list item. Does not read files or the environment.
 */
import { AptProtocolError, quoteForError } from './errors.js';
import type { AptMessage } from './message.js';
import { getFields } from './message.js';

const encoder = new TextEncoder();
/** Not fatal: see dequoteConfigString. */
const decoder = new TextDecoder('utf-8');

/** What apt's Configuration::Dump passes as "bad" characters for 601. */
const CONFIG_BAD_CHARS = new Set([0x3d /* = */, 0x22 /* " */, 0x0a /* \n */]);
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/** QuoteString(text, "=\"\n") over the UTF-8 bytes of `text`. */
export function quoteConfigString(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) {
    const mustQuote = byte === 0x25 || byte <= 0x20 || byte >= 0x7f || CONFIG_BAD_CHARS.has(byte);
    out += mustQuote ? `%${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/**
 * Undoes QuoteString. The bytes are read as UTF-8 with replacement characters:
 * apt passes arbitrary bytes through (a command line, a user's path), and refusing
 * the whole configuration over one such item would disable the method; a replaced
 * character can only make a path or name not match, never match something else.
 */
export function dequoteConfigString(text: string): string {
  if (!text.includes('%')) return text;
  const input = encoder.encode(text);
  const out = new Uint8Array(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] ?? 0;
    if (byte !== 0x25) {
      out[length++] = byte;
      continue;
    }
    const hex = String.fromCharCode(input[i + 1] ?? 0, input[i + 2] ?? 0);
    if (!HEX_PAIR.test(hex)) {
      throw new AptProtocolError('APT_CONFIG', `apt configuration text has a bare "%": ${quoteForError(text)}`);
    }
    out[length++] = parseInt(hex, 16);
    i += 2;
  }
  return decoder.decode(out.subarray(0, length));
}

/** One `key=value` item: split at the first `=` (both sides are quoted), then dequote. */
export function parseConfigItem(item: string): readonly [key: string, value: string] {
  const equals = item.indexOf('=');
  if (equals <= 0) {
    throw new AptProtocolError('APT_CONFIG', `apt configuration item is not "key=value": ${quoteForError(item)}`);
  }
  return [dequoteConfigString(item.slice(0, equals)), dequoteConfigString(item.slice(equals + 1))];
}

/** The `Config-Item` line for one item, as apt writes it. */
export function formatConfigItem(key: string, value: string): string {
  return `${quoteConfigString(key)}=${quoteConfigString(value)}`;
}

interface ConfigNode {
  value: string;
  /** In creation order, which is the order apt lists them in. */
  readonly children: ConfigNode[];
  /** Named children by folded tag (anonymous list items have none). */
  readonly named: Map<string, ConfigNode>;
}

const newNode = (): ConfigNode => ({ value: '', children: [], named: new Map() });

export class AptConfig {
  private readonly root: ConfigNode = newNode();
  private readonly items: (readonly [string, string])[] = [];

  private constructor() {}

  /** Builds the tree by setting each item in order, as apt's Configuration::Set does. */
  static fromItems(items: Iterable<readonly [key: string, value: string]>): AptConfig {
    const config = new AptConfig();
    for (const [key, value] of items) config.set(key, value);
    return config;
  }

  /** The configuration carried by a `601 Configuration` message. */
  static fromMessage(message: AptMessage): AptConfig {
    if (message.code !== 601) {
      throw new AptProtocolError('APT_MESSAGE', `expected "601 Configuration", got "${message.code} ${message.text}"`);
    }
    return AptConfig.fromItems(getFields(message, 'Config-Item').map(parseConfigItem));
  }

  /** The value of a key, or undefined when unset or empty (apt treats both alike). */
  get(key: string): string | undefined {
    const value = this.lookup(key)?.value;
    return value === '' ? undefined : value;
  }

  /**
   * The values below a key, in order (`DPkg::Options::` items and named children
   * alike), as Configuration::FindVector returns them; a key that has a value of its
   * own yields that value split at commas, as FindVector does.
   */
  getList(key: string): string[] {
    const node = this.lookup(key);
    if (!node) return [];
    if (node.value !== '') return node.value.split(',');
    return node.children.map((c) => c.value).filter((v) => v !== '');
  }

  /** apt's FindB: 0/1, yes/no, true/false, with/without, on/off, enable/disable. */
  getBool(key: string, fallback: boolean): boolean {
    const value = this.get(key);
    if (value === undefined) return fallback;
    if (/^(0x)?0*1$/i.test(value)) return true;
    if (/^(0x)?0+$/i.test(value)) return false;
    const word = value.toLowerCase();
    if (['no', 'false', 'without', 'off', 'disable'].includes(word)) return false;
    if (['yes', 'true', 'with', 'on', 'enable'].includes(word)) return true;
    return fallback;
  }

  /**
   * apt's FindDir: a relative value is resolved against the values of its parent
   * keys (`Dir::Bin::Methods` below `Dir::Bin` below `Dir`), `RootDir` is put in
   * front, and the result ends in `/`. `fallback` stands for an unset key.
   */
  findDir(key: string, fallback: string): string {
    const value = this.get(key);
    let resolved = value === undefined ? fallback : this.resolveAgainstParents(key, value);
    const rootDir = this.get('RootDir');
    if (rootDir !== undefined) resolved = `${rootDir.replace(/\/*$/, '/')}${resolved.replace(/^\/+/, '')}`;
    return resolved.endsWith('/') ? resolved : `${resolved}/`;
  }

  /** Every item in the order apt sent it, after dequoting (for diagnostics). */
  entries(): readonly (readonly [string, string])[] {
    return this.items;
  }

  private set(key: string, value: string): void {
    this.items.push([key, value]);
    let node = this.root;
    for (const tag of key.split('::')) {
      // An empty component (a trailing `::`) is a new list item every time.
      const found = tag === '' ? undefined : node.named.get(foldTag(tag));
      if (found) {
        node = found;
      } else {
        const created = newNode();
        node.children.push(created);
        if (tag !== '') node.named.set(foldTag(tag), created);
        node = created;
      }
    }
    node.value = value;
  }

  private lookup(key: string): ConfigNode | undefined {
    const path = this.lookupPath(key);
    return path.length === key.split('::').length ? path[path.length - 1] : undefined;
  }

  private resolveAgainstParents(key: string, value: string): string {
    let resolved = value;
    for (const parent of this.lookupPath(key).slice(0, -1).reverse()) {
      if (isAnchored(resolved)) break;
      if (parent.value !== '') resolved = `${parent.value.replace(/\/$/, '')}/${resolved}`;
    }
    return resolved;
  }

  /** The nodes along `key`, as far as they exist. */
  private lookupPath(key: string): ConfigNode[] {
    const path: ConfigNode[] = [];
    let node = this.root;
    for (const tag of key.split('::')) {
      const found = tag === '' ? undefined : node.named.get(foldTag(tag));
      if (!found) break;
      path.push(found);
      node = found;
    }
    return path;
  }
}

/** apt compares tags with stringcasecmp: ASCII case folding only. */
function foldTag(tag: string): string {
  return tag.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Values FindFile does not prefix with their parents: `/x`, `./x`, `~/x`, `../x`. */
function isAnchored(value: string): boolean {
  return value.startsWith('/') || value.startsWith('./') || value.startsWith('~/') || value.startsWith('../');
}
