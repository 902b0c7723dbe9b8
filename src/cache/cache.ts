/**
 * The attestation cache: what each rebuilder returned for each .deb, kept so that the
 * pre-install hook can re-verify what the apt method fetched, and so that a fleet does
 * not ask rebuilders the same question over and over.
 *
 * Layout under the cache folder (`Reprogate::Cache`, default /var/cache/reprogate):
 *   v3/<sha256[0]>/<sha256>.entry   one file per .deb, one entry per rebuilder (entry.ts)
 * Sixteen folders, not 256: each is made the first time it is needed, and a folder
 * costs as much to create as a file; thousands of names in one folder are no burden.
 * The sha256 is 64 lowercase hex, so the name says whose file it is; every meta line
 * inside must say so too. A file is written to a temporary file beside it and renamed
 * over it, so a reader sees the old file or the new one, whole; files are 0644 and
 * folders 0755 whatever the umask, and can be handed to the cache's owner (the root-run
 * hook must not leave files `_apt` cannot replace). Storing one rebuilder's answer
 * rewrites the file with the other rebuilders' entries kept: writes of one .deb are
 * queued within a process; between two processes writing the same .deb at once the
 * last rename wins and the other's answers are simply not cached. The v1 and v2 layouts
 * left by older versions are not read, migrated or removed: those entries are misses.
 *
 * Reading gives back untrusted bytes: the caller verifies them again every time. A
 * missing, corrupt, oversized, or unreadable file is a miss with a reason, never an
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
import { LIMITS, maxEntryBytes, parseEntries, serialiseEntries, storableLine, type Entry, type EntryBounds } from './entry.js';

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

/** A package's cached answers, read in one go: what the cache says for each rebuilder. */
export type CachedLookups = (rebuilder: string) => CacheLookup;

export interface AttestationCache {
  /** Every rebuilder's entry for one .deb, from one read of its file. */
  getAll(sha256: string, now: Date): Promise<CachedLookups>;
  get(sha256: string, rebuilder: string, now: Date): Promise<CacheLookup>;
  /** Stores several rebuilders' results for one .deb in one write, keeping the other rebuilders' entries. */
  putAll(sha256: string, results: ReadonlyMap<string, LookupResult>, context: PutContext): Promise<void>;
  put(sha256: string, rebuilder: string, result: LookupResult, context: PutContext): Promise<void>;
}

const VERSION_FOLDER = 'v3';

export function openCache(options: CacheOptions): AttestationCache {
  const bounds: EntryBounds = { maxDocuments: options.maxDocuments ?? 32, maxDocumentBytes: options.maxDocumentBytes ?? 4 * 1024 * 1024 };
  const writer = atomicFileWriter(options.dir, {
    dirMode: 0o755,
    fileMode: 0o644,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
  });
  const folders = (sha256: string): string[] => [VERSION_FOLDER, sha256.slice(0, 1)];
  const fileName = (sha256: string): string => `${sha256}.entry`;
  /** The file's entries, or why there are none to use. */
  const readEntries = async (sha256: string): Promise<Entry[] | string> => {
    if (!isSha256(sha256)) return 'invalid key';
    const read = await readFileCapped(join(options.dir, ...folders(sha256), fileName(sha256)), maxEntryBytes(bounds));
    if (!read.ok) return read.why === 'missing' ? 'not cached' : `entry ${read.why}: ${read.detail}`;
    return parseEntries(read.bytes, sha256, bounds);
  };
  // Each write of a .deb's file starts from the previous one's result, so that
  // answers stored at the same time by one process are all kept.
  const writing = new Map<string, Promise<void>>();

  const cache: AttestationCache = {
    async getAll(sha256, now) {
      const entries = await readEntries(sha256);
      return (rebuilder) => {
        if (!isRebuilderName(rebuilder)) return miss('invalid key');
        if (typeof entries === 'string') return miss(entries);
        const entry = entries.find((e) => e.rebuilder === rebuilder);
        return entry === undefined ? miss('not cached') : lookupOf(entry, now, options.negativeTtlMs);
      };
    },

    async get(sha256, rebuilder, now) {
      if (!isSha256(sha256) || !isRebuilderName(rebuilder)) return miss('invalid key');
      return (await cache.getAll(sha256, now))(rebuilder);
    },

    async putAll(sha256, results, context) {
      const fresh = [...results].map(([rebuilder, result]) => storableEntry(sha256, rebuilder, result, context, bounds));
      if (fresh.length === 0) return;
      const previous = writing.get(sha256) ?? Promise.resolve();
      const write = previous.then(async () => {
        const held = await readEntries(sha256);
        // A damaged file is replaced by what is written now.
        const kept = typeof held === 'string' ? [] : held.filter((e) => !results.has(e.rebuilder));
        const bytes = serialiseEntries([...kept, ...fresh]);
        if (typeof bytes === 'string') throw new CacheError('CACHE_TOO_LARGE', `cannot cache the entries of ${sha256}: ${bytes}`);
        if (bytes.length > maxEntryBytes(bounds)) throw new CacheError('CACHE_TOO_LARGE', `the entries of ${sha256} take ${bytes.length} bytes, more than ${maxEntryBytes(bounds)}`);
        try {
          await writer.write(folders(sha256), fileName(sha256), bytes);
        } catch (e) {
          const detail = e instanceof Error ? e.message : String(e);
          throw new CacheError('CACHE_WRITE', `cannot write the cache entry of ${sha256} under ${options.dir}: ${detail}`, { cause: e });
        }
      });
      const settled = write.catch(() => undefined);
      writing.set(sha256, settled);
      void settled.then(() => {
        if (writing.get(sha256) === settled) writing.delete(sha256);
      });
      await write;
    },

    put(sha256, rebuilder, result, context) {
      return cache.putAll(sha256, new Map([[rebuilder, result]]), context);
    },
  };
  return cache;
}

/** A lookup result as an entry: checked against the bounds, text made one clean line. Throws CacheError. */
function storableEntry(sha256: string, rebuilder: string, result: LookupResult, context: PutContext, bounds: EntryBounds): Entry {
  if (!isSha256(sha256) || !isRebuilderName(rebuilder)) {
    throw new CacheError('CACHE_BAD_KEY', `cannot cache under sha256 ${JSON.stringify(sha256)} and rebuilder ${JSON.stringify(rebuilder)}`);
  }
  const origin = context.origin === undefined ? undefined : storableLine(context.origin, LIMITS.MAX_ORIGIN) || undefined;
  const base = { sha256, rebuilder, origin, fetchedAt: context.now };
  if (Number.isNaN(context.now.getTime())) throw new CacheError('CACHE_BAD_ENTRY', 'cannot cache with an invalid time');

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
    return { ...base, result: 'found', documents };
  }
  return {
    ...base,
    result: 'missing',
    code: /^[A-Z][A-Z0-9_]{0,63}$/.test(result.code) ? result.code : 'REBUILDER_INTERNAL',
    reason: storableLine(result.reason, LIMITS.MAX_REASON) || 'no reason given',
    transient: result.transient,
  };
}

function lookupOf(entry: Entry, now: Date, negativeTtlMs: number): CacheLookup {
  const { origin, fetchedAt } = entry;
  if (entry.result === 'found') return { kind: 'found', documents: entry.documents, origin, fetchedAt };
  const age = now.getTime() - fetchedAt.getTime();
  // A negative entry from the future (clock stepped back) must not hold forever.
  if (age < 0 || age >= negativeTtlMs) return miss('negative entry expired');
  const { code, reason, transient } = entry;
  return { kind: 'missing', code, reason, transient, origin, fetchedAt };
}

function miss(why: string): CacheLookup {
  return { kind: 'miss', why };
}
