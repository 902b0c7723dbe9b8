/**
 * Errors of the DPkg::Pre-Install-Pkgs hook. The hook aborts the install on any of
 * them (fail closed), so each code names one way apt's input can be wrong and each
 * message says what to check.
 */
import { ReprogateError } from '../errors.js';

export type HookInputErrorCode =
  /** More bytes, a longer line or more package actions than the limits allow. */
  | 'HOOK_INPUT_TOO_LARGE'
  /** Bytes that are not UTF-8. */
  | 'HOOK_INPUT_ENCODING'
  /** No `VERSION 2`/`VERSION 3` first line (a hook left at protocol version 1 gets bare paths). */
  | 'HOOK_INPUT_VERSION'
  /** The input ends before the configuration block does, or without a final newline. */
  | 'HOOK_INPUT_TRUNCATED'
  /** A configuration line that apt's quoting could not have written. */
  | 'HOOK_INPUT_CONFIG'
  /** A package action line that is not in the shape apt writes. */
  | 'HOOK_INPUT_ACTION'
  /** apt had no absolute .deb path for a package it is about to install (it wrote `**ERROR**`). */
  | 'HOOK_INPUT_NO_PATH';

export class HookInputError extends ReprogateError<HookInputErrorCode> {}
