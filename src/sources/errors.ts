/**
 * Errors of `reprogate enable` / `disable`. Every refusal names the file and line, so
 * the admin can fix the entry by hand; nothing is written when any file is refused.
 */
import { ReprogateError } from '../errors.js';

export type SourcesErrorCode =
  /** A line or stanza apt itself would refuse, so we cannot tell which token is its URI. */
  | 'SOURCES_SYNTAX'
  /** An http(s) URI whose scheme is quoted or %-escaped: apt reads it, we cannot rewrite it byte for byte. */
  | 'SOURCES_UNSUPPORTED'
  /** A sources file larger than the limit. */
  | 'SOURCES_TOO_LARGE'
  /** Listing, examining or reading a sources file failed. */
  | 'SOURCES_READ'
  /** Writing a backup or a rewritten file failed (the file itself is then unchanged). */
  | 'SOURCES_WRITE'
  /** A file changed between our read and our write; nothing of ours replaced it. */
  | 'SOURCES_CHANGED';

export class SourcesError extends ReprogateError<SourcesErrorCode> {}
