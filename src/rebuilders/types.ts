/**
 * What a rebuilder adapter is asked and what it answers: a package identity in, raw
 * documents (or one line saying why there are none) out. The bytes are untrusted;
 * verification happens elsewhere, on every use.
 */

export interface PackageQuery {
  name: string;
  /** Debian version with epoch, as in Packages and the .deb's control file. */
  version: string;
  architecture: string;
  source: { name: string; version: string };
  /** Of the .deb, lowercase hex. */
  sha256: string;
}

export type RebuilderType = 'rebuilderd' | 'sources' | 'directory';

export interface RebuilderEndpoint {
  name: string;
  type: RebuilderType;
  url: string;
}

export interface FetchedDocument {
  /** Where the bytes came from: the final URL after redirects, or a file: URL. */
  url: string;
  bytes: Uint8Array;
}

export type LookupResult =
  | { status: 'found'; documents: FetchedDocument[] }
  | {
      status: 'missing';
      /** A NetErrorCode or RebuilderErrorCode. */
      code: string;
      /** One line, e.g. "HTTP 404", "timeout after 10 s waiting for response headers". */
      reason: string;
      transient: boolean;
    };

export type MissingResult = Extract<LookupResult, { status: 'missing' }>;

export interface RebuilderAdapter {
  /** Never rejects: every failure is a `missing` result with a code. */
  lookup(query: PackageQuery, signal?: AbortSignal): Promise<LookupResult>;
}
