export type {
  PackageQuery,
  RebuilderType,
  RebuilderEndpoint,
  FetchedDocument,
  LookupResult,
  MissingResult,
  RebuilderAdapter,
} from './types.js';
export { RebuilderError, type RebuilderErrorCode } from './errors.js';
export { createAdapter } from './adapter.js';
export { DEFAULT_ADAPTER_LIMITS, type AdapterDeps, type AdapterLimits } from './context.js';
export { fetchPublicKeys, type PublicKeyFetchOptions } from './rebuilderd.js';
export { writeBundle } from './bundle.js';
export { nodeDocumentFiles, type DocumentFiles, type FileRead, type FolderListing } from './files.js';
export { isRebuilderName, isSha256 } from './identity.js';
