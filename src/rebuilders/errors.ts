/**
 * Failures of the rebuilder layer, and the one conversion every adapter uses to turn
 * any failure into a `missing` lookup result (adapters never reject: a rebuilder that
 * cannot be asked is a rebuilder that did not agree).
 */
import { ReprogateError } from '../errors.js';
import { NetError } from '../net/errors.js';
import type { MissingResult } from './types.js';

export type RebuilderErrorCode =
  /** A name, version or architecture that cannot safely go into a URL or a path. */
  | 'REBUILDER_BAD_QUERY'
  /** A rebuilder name or sha256 that cannot safely be a directory name. */
  | 'REBUILDER_BAD_NAME'
  /** An endpoint URL that does not fit its type. */
  | 'REBUILDER_BAD_ENDPOINT'
  /** The rebuilder answered, and has nothing for this package. */
  | 'REBUILDER_NOT_FOUND'
  /** A search or key answer that is not what the API documents. */
  | 'REBUILDER_BAD_RESPONSE'
  | 'REBUILDER_NO_KEYS'
  /** A local attestation folder that exists but cannot be read. */
  | 'REBUILDER_UNREADABLE'
  | 'REBUILDER_TOO_LARGE'
  /** A network rebuilder asked for while the network is off (`--offline`). */
  | 'REBUILDER_OFFLINE'
  | 'REBUILDER_ABORTED'
  | 'REBUILDER_WRITE'
  | 'REBUILDER_INTERNAL';

export class RebuilderError extends ReprogateError<RebuilderErrorCode> {
  readonly transient: boolean;

  constructor(code: RebuilderErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.transient = options.transient ?? false;
  }
}

export function missing(code: string, reason: string, transient: boolean): MissingResult {
  return { status: 'missing', code, reason, transient };
}

/** Any failure as a one-line `missing` result; unexpected ones are named, never thrown on. */
export function missingFrom(err: unknown): MissingResult {
  if (err instanceof NetError) return missing(err.code, err.reason, err.transient);
  if (err instanceof RebuilderError) return missing(err.code, err.message, err.transient);
  const text = err instanceof Error ? err.message : String(err);
  return missing('REBUILDER_INTERNAL', `internal error: ${oneLine(text)}`, false);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof NetError && err.code === 'NET_HTTP_STATUS' && (err.status === 404 || err.status === 410);
}

/** Text from elsewhere (an exception message, a value) made fit for a one-line verdict. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Runs a lookup so that it cannot reject. */
export async function lookupSafely<T extends { status: string }>(run: () => Promise<T>): Promise<T | MissingResult> {
  try {
    return await run();
  } catch (e) {
    return missingFrom(e);
  }
}
