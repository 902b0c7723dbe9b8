/**
 * One cache entry file (format v2): what one rebuilder returned for one .deb.
 *
 *   line 1   compact JSON meta: format, version, the .deb's sha256, the rebuilder, the
 *            repository origin the caller recorded (or null), when it was fetched, and
 *            either `documents: [{url, size, sha256}]` or `missing: {code, reason, transient}`
 *   '\n'
 *   then     the documents' raw bytes, concatenated in order, exactly as served
 *
 * JSON.stringify escapes every control character inside strings, so the first '\n' ends
 * the meta line. Sizes and sha256s let a torn, grown or altered file be caught before
 * anyone parses a document.
 *
 * PURE. Decoding is strict and total: anything unexpected yields a reason string (a
 * miss), never an exception. Whether the documents are genuine is decided elsewhere,
 * by verifying them again on every read.
 */
import { createHash } from 'node:crypto';
import { isRebuilderName, isSha256 } from '../rebuilders/identity.js';
import type { FetchedDocument } from '../rebuilders/types.js';

export const ENTRY_FORMAT = 'reprogate-attestation-cache';
export const ENTRY_VERSION = 2;

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

/** The largest entry file the bounds allow: read no more than this. */
export function maxEntryBytes(bounds: EntryBounds): number {
  return MAX_META_BYTES + 1 + bounds.maxDocuments * bounds.maxDocumentBytes;
}

/**
 * The file's bytes, or why they cannot be written. The caller has bounded and cleaned
 * the fields (see `storableLine`).
 */
export function serialiseEntry(entry: Entry): Uint8Array | string {
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
  const documents = entry.result === 'found' ? entry.documents.map((d) => d.bytes) : [];
  const out = new Uint8Array(documents.reduce((total, d) => total + d.length, line.length));
  out.set(line, 0);
  let at = line.length;
  for (const bytes of documents) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** The entry, or why it is unusable. Documents are views into `bytes`. */
export function parseEntry(bytes: Uint8Array, expected: { sha256: string; rebuilder: string }, bounds: EntryBounds): Entry | string {
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
  if (value['sha256'] !== expected.sha256 || value['rebuilder'] !== expected.rebuilder) return 'meta line belongs to another entry';
  if (!isSha256(expected.sha256) || !isRebuilderName(expected.rebuilder)) return 'invalid key';

  const origin = value['origin'];
  if (origin !== null && !isLine(origin, MAX_ORIGIN)) return 'meta line origin is malformed';
  const fetchedAtText = value['fetchedAt'];
  const fetchedAt = typeof fetchedAtText === 'string' ? new Date(fetchedAtText) : undefined;
  if (fetchedAt === undefined || Number.isNaN(fetchedAt.getTime()) || fetchedAt.toISOString() !== fetchedAtText) {
    return 'meta line fetchedAt is malformed';
  }
  const base: EntryBase = { sha256: expected.sha256, rebuilder: expected.rebuilder, origin: origin ?? undefined, fetchedAt };
  const body = bytes.subarray(end + 1);

  if (value['result'] === 'missing') {
    const m = value['missing'];
    if (!isObject(m) || typeof m['code'] !== 'string' || !CODE.test(m['code']) || !isLine(m['reason'], MAX_REASON) || typeof m['transient'] !== 'boolean') {
      return 'meta line missing result is malformed';
    }
    if (body.length !== 0) return `entry has ${body.length} bytes after a missing result`;
    return { ...base, result: 'missing', code: m['code'], reason: m['reason'], transient: m['transient'] };
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
  // A torn write, an appended or cut document: the byte count is the first thing to give it away.
  const declared = records.reduce((total, r) => total + r.size, 0);
  if (body.length !== declared) return `entry has ${body.length} document bytes, meta line says ${declared}`;

  const documents: FetchedDocument[] = [];
  let at = 0;
  for (const [index, record] of records.entries()) {
    const document = body.subarray(at, at + record.size);
    at += record.size;
    if (sha256Hex(document) !== record.sha256) return `document ${index} does not match its sha256`;
    documents.push({ url: record.url, bytes: document });
  }
  return { ...base, result: 'found', documents };
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
