/**
 * The `meta.json` of one cache entry: which .deb and rebuilder it is for, where the
 * documents came from and when, the repository origin the caller recorded, and either
 * the list of documents (each with its size and sha256, so a torn or altered file is
 * caught before anyone parses it) or the reason nothing was found.
 *
 * PURE. Parsing is strict and total: anything unexpected yields a reason string
 * (a miss), never an exception. Whether the documents are genuine is decided
 * elsewhere, by verifying them again on every read.
 */
import { isRebuilderName, isSha256 } from '../rebuilders/identity.js';

export const ENTRY_FORMAT = 'reprogate-attestation-cache';
export const ENTRY_VERSION = 1;

export interface DocumentRecord {
  file: string;
  url: string;
  size: number;
  sha256: string;
}

interface EntryBase {
  sha256: string;
  rebuilder: string;
  origin: string | undefined;
  fetchedAt: Date;
}

export type EntryMeta =
  | (EntryBase & { result: 'found'; documents: DocumentRecord[] })
  | (EntryBase & { result: 'missing'; code: string; reason: string; transient: boolean });

export interface EntryBounds {
  maxDocuments: number;
  maxDocumentBytes: number;
}

const MAX_URL = 2048;
const MAX_ORIGIN = 255;
const MAX_REASON = 300;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
// C0, DEL and C1 controls: none may reach a one-line verdict or apt's protocol.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function documentFileName(index: number): string {
  return `${index}.json`;
}

export function serialiseMeta(meta: EntryMeta): Uint8Array {
  const common = {
    format: ENTRY_FORMAT,
    version: ENTRY_VERSION,
    sha256: meta.sha256,
    rebuilder: meta.rebuilder,
    origin: meta.origin ?? null,
    fetchedAt: meta.fetchedAt.toISOString(),
  };
  const body =
    meta.result === 'found'
      ? { ...common, result: 'found', documents: meta.documents }
      : { ...common, result: 'missing', missing: { code: meta.code, reason: meta.reason, transient: meta.transient } };
  return new TextEncoder().encode(`${JSON.stringify(body, null, 1)}\n`);
}

/** The entry, or why it is unusable. */
export function parseMeta(bytes: Uint8Array, expected: { sha256: string; rebuilder: string }, bounds: EntryBounds): EntryMeta | string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return 'meta.json is not JSON';
  }
  if (!isObject(value)) return 'meta.json is not an object';
  if (value['format'] !== ENTRY_FORMAT || value['version'] !== ENTRY_VERSION) return 'meta.json has another format or version';
  if (value['sha256'] !== expected.sha256 || value['rebuilder'] !== expected.rebuilder) return 'meta.json belongs to another entry';
  if (!isSha256(expected.sha256) || !isRebuilderName(expected.rebuilder)) return 'invalid key';

  const origin = value['origin'];
  if (origin !== null && !isLine(origin, MAX_ORIGIN)) return 'meta.json origin is malformed';
  const fetchedAtText = value['fetchedAt'];
  const fetchedAt = typeof fetchedAtText === 'string' ? new Date(fetchedAtText) : undefined;
  if (fetchedAt === undefined || Number.isNaN(fetchedAt.getTime()) || fetchedAt.toISOString() !== fetchedAtText) {
    return 'meta.json fetchedAt is malformed';
  }
  const base: EntryBase = { sha256: expected.sha256, rebuilder: expected.rebuilder, origin: origin ?? undefined, fetchedAt };

  if (value['result'] === 'missing') {
    const m = value['missing'];
    if (!isObject(m) || typeof m['code'] !== 'string' || !CODE.test(m['code']) || !isLine(m['reason'], MAX_REASON) || typeof m['transient'] !== 'boolean') {
      return 'meta.json missing result is malformed';
    }
    return { ...base, result: 'missing', code: m['code'], reason: m['reason'], transient: m['transient'] };
  }
  if (value['result'] !== 'found') return 'meta.json result is neither found nor missing';
  const list = value['documents'];
  if (!Array.isArray(list) || list.length === 0 || list.length > bounds.maxDocuments) return 'meta.json documents list is malformed';
  const documents: DocumentRecord[] = [];
  for (const [index, item] of list.entries()) {
    if (
      !isObject(item) ||
      item['file'] !== documentFileName(index) ||
      !isLine(item['url'], MAX_URL) ||
      typeof item['size'] !== 'number' ||
      !Number.isSafeInteger(item['size']) ||
      item['size'] < 0 ||
      item['size'] > bounds.maxDocumentBytes ||
      typeof item['sha256'] !== 'string' ||
      !isSha256(item['sha256'])
    ) {
      return `meta.json document ${index} is malformed`;
    }
    documents.push({ file: item['file'], url: item['url'], size: item['size'], sha256: item['sha256'] });
  }
  return { ...base, result: 'found', documents };
}

/** Text from a lookup made safe to store: one line, bounded. */
export function storableLine(text: string, max: number): string {
  const flat = text.replace(new RegExp(CONTROL.source, 'g'), ' ').trim();
  return flat.length > max ? flat.slice(0, max) : flat;
}

export const LIMITS = { MAX_URL, MAX_ORIGIN, MAX_REASON } as const;

function isLine(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !CONTROL.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
