/**
 * The shape of one apt method message and the rules its parts obey, shared by the
 * parser and the formatter so that what one accepts the other can write.
 *
 * A message is a header line `NNN Text`, then `Name: value` lines (doc/method.dbk,
 * apt-pkg/contrib/strutl.cc). Field order is kept as given: apt's own methods emit
 * fields from an unordered map, so nothing may depend on it, but keeping it makes
 * our output stable and round trips exact.
 */

/** One `Name: value` line. Names repeat only in 601 (`Config-Item`). */
export type AptField = readonly [name: string, value: string];

export interface AptMessage {
  readonly code: number;
  readonly text: string;
  readonly fields: readonly AptField[];
}

/** A message as read from a pipe, with its canonical wire form for verbatim relaying. */
export interface ParsedAptMessage extends AptMessage {
  /** Header and field lines joined by `\n` (CRs dropped), ending in the blank line. */
  readonly raw: string;
}

/** The texts apt and its methods put after each code. Only the number carries meaning. */
export const MESSAGE_TEXT = {
  100: 'Capabilities',
  101: 'Log',
  102: 'Status',
  103: 'Redirect',
  104: 'Warning',
  105: 'Audit',
  200: 'URI Start',
  201: 'URI Done',
  351: 'Aux Request',
  400: 'URI Failure',
  401: 'General Failure',
  403: 'Media Failure',
  600: 'URI Acquire',
  601: 'Configuration',
  603: 'Media Changed',
} as const;

export type KnownCode = keyof typeof MESSAGE_TEXT;

/** A message with the standard text for its code. */
export function aptMessage(code: KnownCode, fields: readonly AptField[]): AptMessage {
  return { code, text: MESSAGE_TEXT[code], fields };
}

/**
 * The first value of a field, matched case-insensitively, as apt's LookupTag does.
 * apt reads the first occurrence, so a duplicate later in a message can never
 * override what apt would act on.
 */
export function getField(message: AptMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [n, v] of message.fields) if (n.toLowerCase() === wanted) return v;
  return undefined;
}

/** Every value of a field, in order (for `Config-Item`). */
export function getFields(message: AptMessage, name: string): string[] {
  const wanted = name.toLowerCase();
  return message.fields.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
}

/** Field names: what apt's SendMessage lets through, minus the space no method uses. */
export const FIELD_NAME = /^[A-Za-z0-9-]+$/;

/** `NNN Text`: three digits, a space, and text without control characters. */
export const HEADER_LINE = /^([1-9][0-9]{2}) ([^\u0000-\u001f\u007f-\u009f]+)$/;

/**
 * Characters no value may carry: C0 controls except tab, DEL and C1 controls.
 * apt's SendMessage refuses the C0 ones ("SECURITY: Message contains control
 * characters"); C1 is refused too because terminals act on it and apt prints values.
 */
export const FORBIDDEN_VALUE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
