/**
 * A package-rebuilder "sources" tree (the Qubes/notset layout): one merged link per
 * source upload at `{base}sources/<source>/<version>/metadata`, with a symlink per
 * binary package name pointing at its source. Asked by binary name and version first,
 * then by source name and version (different for binNMUs and for binaries whose
 * source is named differently). Each value is one percent-encoded path segment, so an
 * epoch's colon goes out as %3A.
 *
 * A 404 moves on to the next candidate; any other failure is remembered and reported
 * if no candidate answers.
 *
 * EDGE. Deliberately not here: verifying anything; the document is raw bytes.
 */
import { networkOf, type AdapterContext } from './context.js';
import { networkBase } from './endpoints.js';
import { isNotFound, lookupSafely, missing, missingFrom } from './errors.js';
import { checkQuery, urlSegment } from './identity.js';
import type { LookupResult, RebuilderAdapter, RebuilderEndpoint } from './types.js';

export function sourcesAdapter(endpoint: RebuilderEndpoint, context: AdapterContext): RebuilderAdapter {
  const base = networkBase(endpoint.url);

  return {
    lookup: (query, signal) =>
      lookupSafely(async (): Promise<LookupResult> => {
        checkQuery(query);
        const http = networkOf(context);
        const candidates = [
          [query.name, query.version],
          [query.source.name, query.source.version],
        ].filter(([name, version], i, all) => all.findIndex(([n, v]) => n === name && v === version) === i);

        const failures: unknown[] = [];
        for (const [name = '', version = ''] of candidates) {
          const url = new URL(`sources/${urlSegment(name)}/${urlSegment(version)}/metadata`, base);
          try {
            const response = await http.boundedGet(url, {
              maxBytes: context.limits.maxDocumentBytes,
              ...(signal === undefined ? {} : { signal }),
            });
            return { status: 'found', documents: [{ url: response.url, bytes: response.bytes }] };
          } catch (e) {
            if (!isNotFound(e)) failures.push(e);
          }
        }
        return failures.length > 0 ? missingFrom(failures[0]) : missing('REBUILDER_NOT_FOUND', 'HTTP 404', false);
      }),
  };
}
