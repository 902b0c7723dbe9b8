/**
 * A local folder of attestations in the layout `reprogate fetch --out` writes:
 * `<folder>/<rebuilder name>/<sha256 of the .deb>/<n>.json`, each file one document as
 * served. Used for offline and air-gapped verification (`verify --attestations DIR`).
 *
 * Only names `0.json`, `1.json`, ... are read (in numeric order, at most
 * `maxDocuments`, each at most `maxDocumentBytes`); anything else in the folder is
 * ignored. A document that cannot be read is skipped if others can be; if none can,
 * the lookup is missing with the first reason.
 *
 * EDGE. Deliberately not here: verifying anything; the documents are raw bytes.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterContext } from './context.js';
import { localFolder } from './endpoints.js';
import { lookupSafely, missing, RebuilderError } from './errors.js';
import type { FileRead } from './files.js';
import { checkRebuilderName, checkSha256 } from './identity.js';
import type { FetchedDocument, LookupResult, RebuilderAdapter, RebuilderEndpoint } from './types.js';

const DOCUMENT_NAME = /^(0|[1-9][0-9]{0,5})\.json$/;

export function directoryAdapter(endpoint: RebuilderEndpoint, context: AdapterContext): RebuilderAdapter {
  const root = localFolder(endpoint.url);
  checkRebuilderName(endpoint.name);
  const { files, limits } = context;

  return {
    lookup: (query, signal) =>
      lookupSafely(async (): Promise<LookupResult> => {
        checkSha256(query.sha256);
        if (signal?.aborted === true) throw new RebuilderError('REBUILDER_ABORTED', 'lookup aborted', { transient: true });
        const folder = join(root, endpoint.name, query.sha256);
        // Room for stray entries beside the documents, so they cannot crowd them out.
        const listing = await files.list(folder, limits.maxDocuments * 4 + 16);
        if (!listing.ok) {
          return listing.why === 'missing'
            ? missing('REBUILDER_NOT_FOUND', `no attestations in ${folder}`, false)
            : missing('REBUILDER_UNREADABLE', `cannot read ${listing.detail}`, false);
        }
        const names = listing.names
          .filter((name) => DOCUMENT_NAME.test(name))
          .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
          .slice(0, limits.maxDocuments);
        if (names.length === 0) return missing('REBUILDER_NOT_FOUND', `no attestations in ${folder}`, false);

        const documents: FetchedDocument[] = [];
        let firstFailure: Extract<FileRead, { ok: false }> | undefined;
        for (const name of names) {
          const path = join(folder, name);
          const read = await files.read(path, limits.maxDocumentBytes);
          if (read.ok) documents.push({ url: pathToFileURL(path).href, bytes: read.bytes });
          else firstFailure ??= read;
        }
        if (documents.length > 0) return { status: 'found', documents };
        if (firstFailure?.why === 'too-large') return missing('REBUILDER_TOO_LARGE', firstFailure.detail, false);
        return missing('REBUILDER_UNREADABLE', `cannot read ${firstFailure?.detail ?? folder}`, false);
      }),
  };
}
