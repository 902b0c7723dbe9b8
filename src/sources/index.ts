/**
 * `reprogate enable` / `disable`: switching apt's sources between `http(s)://` and
 * `reprogate+http(s)://`. Pure rewriters for both sources formats, apt's rules for
 * which files it reads, and the edge that writes them with a backup.
 */
export { SourcesError } from './errors.js';
export type { SourcesErrorCode } from './errors.js';
export type { KeptUri, SchemePlan, SourcesDirection, SourcesRewrite, UriChange } from './switch-uri.js';
export { planScheme, REPROGATE_PREFIX, schemeOf, switchedUri } from './switch-uri.js';
export { rewriteOneLine } from './one-line.js';
export { rewriteDeb822 } from './deb822.js';
export type { SourcesFormat, SourcesLocations } from './locations.js';
export { DEFAULT_SOURCES_LOCATIONS, isSourcesPartName, sourcesFormatOf, sourcesLocations } from './locations.js';
export type {
  BackupState,
  SourcesFileResult,
  SourcesFileStat,
  SourcesFs,
  SwitchSourcesOptions,
  SwitchSourcesResult,
} from './apply.js';
export { BACKUP_SUFFIX, MAX_SOURCES_FILE_BYTES, nodeSourcesFs, switchSources } from './apply.js';
