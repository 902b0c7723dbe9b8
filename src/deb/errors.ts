/**
 * Errors of the .deb layer. Callers and tests branch on `code`; the message is one
 * line a person can act on and names the file or member when there is one.
 */
import { ReprogateError } from '../errors.js';

export type DebErrorCode =
  /** Not an ar archive at all (wrong magic, or shorter than the magic). */
  | 'DEB_NOT_AR'
  /** An ar archive, but not a well-formed binary package (headers, order, truncation, tar). */
  | 'DEB_FORMAT'
  /** No control.tar member, or no `control` file inside it. */
  | 'DEB_NO_CONTROL'
  /** The control file is not one well-formed deb822 paragraph. */
  | 'DEB_CONTROL_SYNTAX'
  /** Package, Version, Architecture, Source or Multi-Arch missing or not well-formed. */
  | 'DEB_CONTROL_FIELD'
  /** A member or its decompressed form exceeds our bounds (compression bombs end here). */
  | 'DEB_TOO_LARGE'
  /** control.tar compressed with something we do not decode (zstd, bzip2, ...). */
  | 'DEB_UNSUPPORTED_COMPRESSION'
  /** control.tar.gz is not valid gzip. */
  | 'DEB_GZIP'
  /** control.tar.xz is not valid xz (structure, LZMA2 data, or integrity check). */
  | 'DEB_XZ'
  /** A .deb file name that is not `<name>_<version>_<arch>.deb`. */
  | 'DEB_FILE_NAME'
  /** Reading the file failed (missing, unreadable, a directory, ...). */
  | 'DEB_IO';

export class DebError extends ReprogateError<DebErrorCode> {}

/**
 * A value from an untrusted file, made safe to put in a one-line message: quoted,
 * cut short, and with every byte outside printable ASCII escaped, so a crafted
 * control field cannot inject terminal escapes or fake lines into apt's output.
 */
export function quoteUntrusted(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}...` : value;
  const escaped = cut.replace(/[^\x20-\x7e]|["\\]/g, (c) =>
    c === '"' || c === '\\' ? `\\${c}` : `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
  return `"${escaped}"`;
}
