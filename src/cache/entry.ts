/**
 * One cache file (format v3): what every rebuilder returned for one .deb, as one
 * entry per rebuilder, back to back. Each entry is
 *
 *   line 1   compact JSON meta: format, version, the .deb's sha256, the rebuilder, the
 *            repository origin the caller recorded (or null), when it was fetched, and
 *            either `documents: [{url, size, sha256}]` or `missing: {code, reason, transient}`
 *   '\n'
 *   then     the documents' raw bytes, concatenated in order, exactly as served
 *
 * and the next entry starts right after the last document byte the meta line counts.
 * JSON.stringify escapes every control character inside strings, so the first '\n' ends
 * a meta line. Sizes and sha256s let a torn, grown or altered file be caught before
 * anyone parses a document. One file per .deb rather than per rebuilder: creating a
 * file is what a cache write costs most, and the method and the hook read all of a
 * package's entries at once anyway.
 *
 * PURE. Decoding is strict and total: anything unexpected anywhere in the file yields a
 * reason string (the whole file is a miss), never an exception. Whether the documents
 * are genuine is decided elsewhere, by verifying them again on every read.
 */
import { createHash } from 'node:crypto';
import { isRebuilderName, isSha256 } from '../rebuilders/identity.js';
import type { FetchedDocument } from '../rebuilders/types.js';

export const ENTRY_FORMAT = 'reprogate-attestation-cache';
export const ENTRY_VERSION = 3;

interface EntryBase {
  sha256: string;
  rebuilder: string;
  origin: string | undefined;
  fetchedAt: Date;
}

export type Entry =
  | (EntryBase & { result: 'found'; documents: FetchedDocument[] })
  | (EntryBase & { result: 'missing'; code: string; reason: string; transient: boolean });

export interface EntryBounds {
  maxDocuments: number;
  maxDocumentBytes: number;
}

const MAX_URL = 2048;
const MAX_ORIGIN = 255;
const MAX_REASON = 300;
/**
 * Room for the meta line of 32 documents with the longest URLs (a record is at most
 * ~6.3 kB of UTF-8). A put whose meta line is longer is refused, never written unreadable.
 */
const MAX_META_BYTES = 256 * 1024;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
// C0, DEL and C1 controls: none may reach a one-line verdict or apt's protocol.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NEWLINE = 0x0a;
/** Rebuilders one file may hold: far more than any policy names, few enough to scan. */
const MAX_ENTRIES = 64;

/** The largest cache file the bounds allow (one entry at its largest): read no more than this. */
export function maxEntryBytes(bounds: EntryBounds): number {
  return MAX_META_BYTES + 1 + bounds.maxDocuments * bounds.maxDocumentBytes;
}

/** A package's file holding `entries` (one per rebuilder, all of one sha256), or why it cannot be written. */
export function serialiseEntries(entries: readonly Entry[]): Uint8Array | string {
  if (entries.length > MAX_ENTRIES) return `${entries.length} rebuilders, more than ${MAX_ENTRIES}`;
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const bytes = serialiseEntry(entry);
    if (typeof bytes === 'string') return `${entry.rebuilder}: ${bytes}`;
    parts.push(bytes);
  }
  return concat(parts);
}

/**
 * Every entry of a package's file, or why the file is unusable. Each must be of
 * `sha256`, no rebuilder may appear twice, and there are at most MAX_ENTRIES (a
 * file of a million empty entries must not hold up the root-run hook). Documents
 * are views into `bytes`.
 */
export function parseEntries(bytes: Uint8Array, sha256: string, bounds: EntryBounds): Entry[] | string {
  if (!isSha256(sha256)) return 'invalid key';
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let at = 0;
  while (at < bytes.length) {
    if (entries.length === MAX_ENTRIES) return `the file holds more than ${MAX_ENTRIES} entries`;
    const parsed = parseEntry(bytes.subarray(at), sha256, bounds);
    if (typeof parsed === 'string') return parsed;
    if (seen.has(parsed.entry.rebuilder)) return `the file holds two entries for ${parsed.entry.rebuilder}`;
    seen.add(parsed.entry.rebuilder);
    entries.push(parsed.entry);
    at += parsed.length;
  }
  return entries;
}

/**
 * The file's bytes, or why they cannot be written. The caller has bounded and cleaned
 * the fields (see `storableLine`).
 */
function serialiseEntry(entry: Entry): Uint8Array | string {
  const common = {
    format: ENTRY_FORMAT,
    version: ENTRY_VERSION,
    sha256: entry.sha256,
    rebuilder: entry.rebuilder,
    origin: entry.origin ?? null,
    fetchedAt: entry.fetchedAt.toISOString(),
  };
  const meta =
    entry.result === 'found'
      ? {
          ...common,
          result: 'found',
          documents: entry.documents.map((d) => ({ url: d.url, size: d.bytes.length, sha256: sha256Hex(d.bytes) })),
        }
      : { ...common, result: 'missing', missing: { code: entry.code, reason: entry.reason, transient: entry.transient } };
  const line = new TextEncoder().encode(`${JSON.stringify(meta)}\n`);
  if (line.length - 1 > MAX_META_BYTES) return `a meta line of ${line.length - 1} bytes, more than ${MAX_META_BYTES}`;
  return concat([line, ...(entry.result === 'found' ? entry.documents.map((d) => d.bytes) : [])]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, p) => total + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The entry at the start of `bytes` and how many bytes it takes, or why it is unusable. */
function parseEntry(bytes: Uint8Array, sha256: string, bounds: EntryBounds): { entry: Entry; length: number } | string {
  const end = bytes.subarray(0, MAX_META_BYTES + 1).indexOf(NEWLINE);
  if (end < 0) return bytes.length > MAX_META_BYTES ? 'meta line is too long' : 'meta line is unterminated';
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end)));
  } catch {
    return 'meta line is not JSON';
  }
  if (!isObject(value)) return 'meta line is not an object';
  if (value['format'] !== ENTRY_FORMAT || value['version'] !== ENTRY_VERSION) return 'meta line has another format or version';
  if (value['sha256'] !== sha256) return 'meta line belongs to another package';
  const rebuilder = value['rebuilder'];
  if (typeof rebuilder !== 'string' || !isRebuilderName(rebuilder)) return 'meta line rebuilder is malformed';

  const origin = value['origin'];
  if (origin !== null && !isLine(origin, MAX_ORIGIN)) return 'meta line origin is malformed';
  const fetchedAtText = value['fetchedAt'];
  const fetchedAt = typeof fetchedAtText === 'string' ? new Date(fetchedAtText) : undefined;
  if (fetchedAt === undefined || Number.isNaN(fetchedAt.getTime()) || fetchedAt.toISOString() !== fetchedAtText) {
    return 'meta line fetchedAt is malformed';
  }
  const base: EntryBase = { sha256, rebuilder, origin: origin ?? undefined, fetchedAt };
  const rest = bytes.subarray(end + 1);

  if (value['result'] === 'missing') {
    const m = value['missing'];
    if (!isObject(m) || typeof m['code'] !== 'string' || !CODE.test(m['code']) || !isLine(m['reason'], MAX_REASON) || typeof m['transient'] !== 'boolean') {
      return 'meta line missing result is malformed';
    }
    return { entry: { ...base, result: 'missing', code: m['code'], reason: m['reason'], transient: m['transient'] }, length: end + 1 };
  }
  if (value['result'] !== 'found') return 'meta line result is neither found nor missing';
  const list = value['documents'];
  if (!Array.isArray(list) || list.length === 0 || list.length > bounds.maxDocuments) return 'meta line documents list is malformed';
  const records: { url: string; size: number; sha256: string }[] = [];
  for (const [index, item] of list.entries()) {
    if (
      !isObject(item) ||
      !isLine(item['url'], MAX_URL) ||
      typeof item['size'] !== 'number' ||
      !Number.isSafeInteger(item['size']) ||
      item['size'] < 0 ||
      item['size'] > bounds.maxDocumentBytes ||
      typeof item['sha256'] !== 'string' ||
      !isSha256(item['sha256'])
    ) {
      return `meta line document ${index} is malformed`;
    }
    records.push({ url: item['url'], size: item['size'], sha256: item['sha256'] });
  }
  // A torn write or a cut document: the byte count is the first thing to give it away.
  const declared = records.reduce((total, r) => total + r.size, 0);
  if (rest.length < declared) return `entry has ${rest.length} document bytes, meta line says ${declared}`;
  const body = rest.subarray(0, declared);

  const documents: FetchedDocument[] = [];
  let at = 0;
  for (const [index, record] of records.entries()) {
    const document = body.subarray(at, at + record.size);
    at += record.size;
    if (sha256Hex(document) !== record.sha256) return `document ${index} does not match its sha256`;
    documents.push({ url: record.url, bytes: document });
  }
  return { entry: { ...base, result: 'found', documents }, length: end + 1 + declared };
}

/** Text from a lookup made safe to store: one line, bounded. */
export function storableLine(text: string, max: number): string {
  const flat = text.replace(new RegExp(CONTROL.source, 'g'), ' ').trim();
  return flat.length > max ? flat.slice(0, max) : flat;
}

export const LIMITS = { MAX_URL, MAX_ORIGIN, MAX_REASON } as const;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isLine(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !CONTROL.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
