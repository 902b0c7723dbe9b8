/**
 * Errors of the in-toto library. The library is self-contained (it imports nothing
 * from the rest of reprogate), so it carries its own base class; callers branch on
 * `code`, which is stable, and show `message` to people.
 */
import { printableLine } from './text.js';

export type InTotoErrorCode =
  // strict JSON and canonical JSON
  | 'JSON_SYNTAX'
  | 'JSON_DUPLICATE_KEY'
  | 'JSON_NUMBER'
  | 'JSON_STRING'
  | 'JSON_TOO_DEEP'
  | 'JSON_TOO_LARGE'
  | 'CANONICAL_UNSUPPORTED'
  // keys
  | 'KEY_FORMAT'
  | 'KEY_UNSUPPORTED'
  | 'KEY_OPENPGP'
  | 'KEY_EXPIRED'
  | 'KEY_REVOKED'
  | 'KEY_UNBOUND'
  // metadata shape
  | 'METADATA_FORMAT'
  | 'METADATA_TYPE'
  | 'DSSE_FORMAT'
  | 'DSSE_PAYLOAD_TYPE'
  | 'STATEMENT_PREDICATE_TYPE'
  // signatures
  | 'SIGNATURE_FORMAT'
  | 'SIGNATURE_UNSUPPORTED'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_NONE_TRUSTED'
  // layouts
  | 'LAYOUT_EXPIRED'
  | 'LAYOUT_SIGNATURE'
  | 'LAYOUT_STEP'
  | 'LAYOUT_RULE'
  | 'RULE_FAILED';

export class InTotoError extends Error {
  readonly code: InTotoErrorCode;

  constructor(code: InTotoErrorCode, message: string, options?: { cause?: unknown }) {
    // Messages quote document content: one bounded, printable line whatever it holds.
    super(printableLine(message, 1000), options);
    this.code = code;
    this.name = 'InTotoError';
  }
}
