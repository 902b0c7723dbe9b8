/**
 * What adapters are given (an HTTP getter, file reads) and the bounds they keep: how
 * many bytes a document or a search answer may have, how many builds of one package
 * are followed, how many requests one lookup runs at once.
 */
import type { HttpGetter } from '../net/client.js';
import { RebuilderError } from './errors.js';
import { nodeDocumentFiles, type DocumentFiles } from './files.js';

export interface AdapterLimits {
  /** One attestation or metadata document. */
  maxDocumentBytes: number;
  /** A package search answer. */
  maxIndexBytes: number;
  /** Builds of one package followed (rebuilderd keeps every rebuild it ever did). */
  maxRecords: number;
  /** Documents read from one local folder. */
  maxDocuments: number;
  /** Requests one lookup runs at once. */
  parallel: number;
}

export const DEFAULT_ADAPTER_LIMITS: Readonly<AdapterLimits> = Object.freeze({
  maxDocumentBytes: 4 * 1024 * 1024,
  maxIndexBytes: 1024 * 1024,
  maxRecords: 8,
  maxDocuments: 32,
  parallel: 4,
});

export interface AdapterDeps {
  /** Absent when the network is off (`--offline`): network adapters then answer REBUILDER_OFFLINE. */
  http?: HttpGetter;
  files?: DocumentFiles;
  limits?: Partial<AdapterLimits>;
}

export interface AdapterContext {
  http: HttpGetter | undefined;
  files: DocumentFiles;
  limits: AdapterLimits;
}

export function contextOf(deps: AdapterDeps): AdapterContext {
  return { http: deps.http, files: deps.files ?? nodeDocumentFiles, limits: { ...DEFAULT_ADAPTER_LIMITS, ...deps.limits } };
}

export function networkOf(context: AdapterContext): HttpGetter {
  if (context.http === undefined) throw new RebuilderError('REBUILDER_OFFLINE', 'network disabled (offline)');
  return context.http;
}
