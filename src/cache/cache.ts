/**
 * The attestation cache: what each rebuilder returned for each .deb, kept so that the
 * pre-install hook can re-verify what the apt method fetched, and so that a fleet does
 * not ask rebuilders the same question over and over.
 *
 * Layout under the cache folder (`Reprogate::Cache`, default /var/cache/reprogate):
 *   v1/<sha256[0:2]>/<sha256>/<rebuilder>/meta.json   (entry.ts)
 *   v1/<sha256[0:2]>/<sha256>/<rebuilder>/<n>.json    raw documents, as served
 * Each entry folder is written whole and renamed into place; files are 0644 and
 * folders 0755 whatever the umask, and can be handed to the cache's owner (the
 * root-run hook must not leave files `_apt` cannot replace).
 *
 * Reading gives back untrusted bytes: the caller verifies them again every time. A
 * missing, corrupt, oversized, or unreadable entry is a miss with a reason, never an
 * error. A negative entry ("this rebuilder had nothing") holds for `negativeTtlMs`
 * only. Time is always passed in.
 *
 * EDGE. Deliberately not here: pruning old entries, and any judgement of the bytes.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ReprogateError } from '../errors.js';
import { readFileCapped, writeFolderAtomically, type FolderWriteOptions, type NamedBytes } from '../rebuilders/files.js';
import { isRebuilderName, isSha256 } from '../rebuilders/identity.js';
import type { FetchedDocument, LookupResult } from '../rebuilders/types.js';
import { documentFileName, LIMITS, parseMeta, serialiseMeta, storableLine, type EntryMeta } from './entry.js';

export type CacheErrorCode = 'CACHE_BAD_KEY' | 'CACHE_BAD_ENTRY' | 'CACHE_TOO_LARGE' | 'CACHE_WRITE';

/** Only writes fail with an error; callers log it and go on without the cache. */
export class CacheError extends ReprogateError<CacheErrorCode> {}

export interface CacheOptions {
  dir: string;
  /** How long "nothing found" is believed before the rebuilder is asked again. */
  negativeTtlMs: number;
  maxDocuments?: number;
  maxDocumentBytes?: number;
  owner?: { uid: number; gid: number };
}

export type CacheLookup =
  | { kind: 'found'; documents: FetchedDocument[]; origin: string | undefined; fetchedAt: Date }
  | { kind: 'missing'; code: string; reason: string; transient: boolean; origin: string | undefined; fetchedAt: Date }
  /** Not usable: `why` is for debug output. */
  | { kind: 'miss'; why: string };

export interface PutContext {
  now: Date;
  /** The repository origin the .deb came from, if known (policy rules match on it). */
  origin?: string;
}

export interface AttestationCache {
  get(sha256: string, rebuilder: string, now: Date): Promise<CacheLookup>;
  put(sha256: string, rebuilder: string, result: LookupResult, context: PutContext): Promise<void>;
}

const META = 'meta.json';
const MAX_META_BYTES = 256 * 1024;

export function openCache(options: CacheOptions): AttestationCache {
  const bounds = { maxDocuments: options.maxDocuments ?? 32, maxDocumentBytes: options.maxDocumentBytes ?? 4 * 1024 * 1024 };
  const writeOptions: FolderWriteOptions = {
    dirMode: 0o755,
    fileMode: 0o644,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
  };
  const segments = (sha256: string, rebuilder: string): string[] => ['v1', sha256.slice(0, 2), sha256, rebuilder];

  return {
    async get(sha256, rebuilder, now) {
      if (!isSha256(sha256) || !isRebuilderName(rebuilder)) return miss('invalid key');
      const folder = join(options.dir, ...segments(sha256, rebuilder));
      const metaRead = await readFileCapped(join(folder, META), MAX_META_BYTES);
      if (!metaRead.ok) return miss(metaRead.why === 'missing' ? 'not cached' : `meta.json ${metaRead.why}: ${metaRead.detail}`);
      const meta = parseMeta(metaRead.bytes, { sha256, rebuilder }, bounds);
      if (typeof meta === 'string') return miss(meta);

      if (meta.result === 'missing') {
        const age = now.getTime() - meta.fetchedAt.getTime();
        // A negative entry from the future (clock stepped back) must not hold forever.
        if (age < 0 || age >= options.negativeTtlMs) return miss('negative entry expired');
        const { code, reason, transient, origin, fetchedAt } = meta;
        return { kind: 'missing', code, reason, transient, origin, fetchedAt };
      }

      const documents: FetchedDocument[] = [];
      for (const record of meta.documents) {
        const read = await readFileCapped(join(folder, record.file), record.size);
        if (!read.ok) return miss(`${record.file} ${read.why}`);
        if (read.bytes.length !== record.size || sha256Hex(read.bytes) !== record.sha256) {
          return miss(`${record.file} does not match meta.json`);
        }
        documents.push({ url: record.url, bytes: read.bytes });
      }
      return { kind: 'found', documents, origin: meta.origin, fetchedAt: meta.fetchedAt };
    },

    async put(sha256, rebuilder, result, context) {
      if (!isSha256(sha256) || !isRebuilderName(rebuilder)) {
        throw new CacheError('CACHE_BAD_KEY', `cannot cache under sha256 ${JSON.stringify(sha256)} and rebuilder ${JSON.stringify(rebuilder)}`);
      }
      const origin = context.origin === undefined ? undefined : storableLine(context.origin, LIMITS.MAX_ORIGIN) || undefined;
      const base = { sha256, rebuilder, origin, fetchedAt: context.now };
      if (Number.isNaN(context.now.getTime())) throw new CacheError('CACHE_BAD_ENTRY', 'cannot cache with an invalid time');

      let meta: EntryMeta;
      const files: NamedBytes[] = [];
      if (result.status === 'found') {
        if (result.documents.length === 0) throw new CacheError('CACHE_BAD_ENTRY', 'a found result without documents');
        if (result.documents.length > bounds.maxDocuments) {
          throw new CacheError('CACHE_TOO_LARGE', `${result.documents.length} documents, more than ${bounds.maxDocuments}`);
        }
        const documents = result.documents.map((document, index) => {
          if (document.bytes.length > bounds.maxDocumentBytes) {
            throw new CacheError('CACHE_TOO_LARGE', `document ${index} has ${document.bytes.length} bytes, more than ${bounds.maxDocumentBytes}`);
          }
          const url = storableLine(document.url, LIMITS.MAX_URL);
          if (url === '') throw new CacheError('CACHE_BAD_ENTRY', `document ${index} has no URL`);
          files.push({ name: documentFileName(index), bytes: document.bytes });
          return { file: documentFileName(index), url, size: document.bytes.length, sha256: sha256Hex(document.bytes) };
        });
        meta = { ...base, result: 'found', documents };
      } else {
        meta = {
          ...base,
          result: 'missing',
          code: /^[A-Z][A-Z0-9_]{0,63}$/.test(result.code) ? result.code : 'REBUILDER_INTERNAL',
          reason: storableLine(result.reason, LIMITS.MAX_REASON) || 'no reason given',
          transient: result.transient,
        };
      }
      files.push({ name: META, bytes: serialiseMeta(meta) });
      try {
        await writeFolderAtomically(options.dir, segments(sha256, rebuilder), files, writeOptions);
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        throw new CacheError('CACHE_WRITE', `cannot write the cache entry for ${rebuilder} under ${options.dir}: ${detail}`, { cause: e });
      }
    },
  };
}

function miss(why: string): CacheLookup {
  return { kind: 'miss', why };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
