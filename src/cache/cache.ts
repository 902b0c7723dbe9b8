/**
 * The attestation cache: what each rebuilder returned for each .deb, kept so that the
 * pre-install hook can re-verify what the apt method fetched, and so that a fleet does
 * not ask rebuilders the same question over and over.
 *
 * Layout under the cache folder (`Reprogate::Cache`, default /var/cache/reprogate):
 *   v2/<sha256[0:2]>/<sha256>.<rebuilder>.entry   one file per entry (format: entry.ts)
 * The sha256 is 64 lowercase hex and rebuilder names are restricted (identity.ts), so
 * the name says whose entry it is; the meta line inside must say so too. Each entry is
 * written to a temporary file beside it and renamed over it, so a reader sees the old
 * entry or the new one, whole; files are 0644 and folders 0755 whatever the umask, and
 * can be handed to the cache's owner (the root-run hook must not leave files `_apt`
 * cannot replace). The v1 layout (a folder per entry) left by older versions is not
 * read, migrated or removed: those entries are simply misses.
 *
 * Reading gives back untrusted bytes: the caller verifies them again every time. A
 * missing, corrupt, oversized, or unreadable entry is a miss with a reason, never an
 * error. A negative entry ("this rebuilder had nothing") holds for `negativeTtlMs`
 * only. Time is always passed in.
 *
 * EDGE. Deliberately not here: pruning old entries (or temporary files a crash left),
 * and any judgement of the bytes.
 */
import { join } from 'node:path';
import { ReprogateError } from '../errors.js';
import { atomicFileWriter, readFileCapped } from '../rebuilders/files.js';
import { isRebuilderName, isSha256 } from '../rebuilders/identity.js';
import type { FetchedDocument, LookupResult } from '../rebuilders/types.js';
import { LIMITS, maxEntryBytes, parseEntry, serialiseEntry, storableLine, type Entry } from './entry.js';

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

const VERSION_FOLDER = 'v2';

export function openCache(options: CacheOptions): AttestationCache {
  const bounds = { maxDocuments: options.maxDocuments ?? 32, maxDocumentBytes: options.maxDocumentBytes ?? 4 * 1024 * 1024 };
  const writer = atomicFileWriter(options.dir, {
    dirMode: 0o755,
    fileMode: 0o644,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
  });
  const folders = (sha256: string): string[] => [VERSION_FOLDER, sha256.slice(0, 2)];
  const fileName = (sha256: string, rebuilder: string): string => `${sha256}.${rebuilder}.entry`;

  return {
    async get(sha256, rebuilder, now) {
      if (!isSha256(sha256) || !isRebuilderName(rebuilder)) return miss('invalid key');
      const read = await readFileCapped(join(options.dir, ...folders(sha256), fileName(sha256, rebuilder)), maxEntryBytes(bounds));
      if (!read.ok) return miss(read.why === 'missing' ? 'not cached' : `entry ${read.why}: ${read.detail}`);
      const entry = parseEntry(read.bytes, { sha256, rebuilder }, bounds);
      if (typeof entry === 'string') return miss(entry);

      const { origin, fetchedAt } = entry;
      if (entry.result === 'found') return { kind: 'found', documents: entry.documents, origin, fetchedAt };
      const age = now.getTime() - fetchedAt.getTime();
      // A negative entry from the future (clock stepped back) must not hold forever.
      if (age < 0 || age >= options.negativeTtlMs) return miss('negative entry expired');
      const { code, reason, transient } = entry;
      return { kind: 'missing', code, reason, transient, origin, fetchedAt };
    },

    async put(sha256, rebuilder, result, context) {
      if (!isSha256(sha256) || !isRebuilderName(rebuilder)) {
        throw new CacheError('CACHE_BAD_KEY', `cannot cache under sha256 ${JSON.stringify(sha256)} and rebuilder ${JSON.stringify(rebuilder)}`);
      }
      const origin = context.origin === undefined ? undefined : storableLine(context.origin, LIMITS.MAX_ORIGIN) || undefined;
      const base = { sha256, rebuilder, origin, fetchedAt: context.now };
      if (Number.isNaN(context.now.getTime())) throw new CacheError('CACHE_BAD_ENTRY', 'cannot cache with an invalid time');

      let entry: Entry;
      if (result.status === 'found') {
        if (result.documents.length === 0) throw new CacheError('CACHE_BAD_ENTRY', 'a found result without documents');
        if (result.documents.length > bounds.maxDocuments) {
          throw new CacheError('CACHE_TOO_LARGE', `${result.documents.length} documents, more than ${bounds.maxDocuments}`);
        }
        const documents: FetchedDocument[] = result.documents.map((document, index) => {
          if (document.bytes.length > bounds.maxDocumentBytes) {
            throw new CacheError('CACHE_TOO_LARGE', `document ${index} has ${document.bytes.length} bytes, more than ${bounds.maxDocumentBytes}`);
          }
          const url = storableLine(document.url, LIMITS.MAX_URL);
          if (url === '') throw new CacheError('CACHE_BAD_ENTRY', `document ${index} has no URL`);
          return { url, bytes: document.bytes };
        });
        entry = { ...base, result: 'found', documents };
      } else {
        entry = {
          ...base,
          result: 'missing',
          code: /^[A-Z][A-Z0-9_]{0,63}$/.test(result.code) ? result.code : 'REBUILDER_INTERNAL',
          reason: storableLine(result.reason, LIMITS.MAX_REASON) || 'no reason given',
          transient: result.transient,
        };
      }
      const bytes = serialiseEntry(entry);
      if (typeof bytes === 'string') throw new CacheError('CACHE_TOO_LARGE', `cannot cache the entry for ${rebuilder}: ${bytes}`);
      try {
        await writer.write(folders(sha256), fileName(sha256, rebuilder), bytes);
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
