/**
 * Writes apt method messages. Everything we write must read back as exactly what we
 * meant, through apt's parser and ours, so values are checked rather than escaped:
 * apt has no escape syntax, and a newline in a value would let text forge fields or
 * whole messages (a `URI` that ends the message and starts a `201 URI Done`).
 *
 * `Message` is the one free-text field (refusal reasons, error texts): it is folded
 * onto one line instead of refused, so a refusal is never lost to its own wording.
 * Every other value is written byte for byte as given (URIs are echoed exactly as
 * apt sent them) or refused with APT_FIELD. Empty values are left out, as apt's own
 * SendMessage does. Does not decide which fields a code needs (see replies.ts).
 */
import { AptProtocolError, quoteForError } from './errors.js';
import type { AptMessage } from './message.js';
import { FIELD_NAME, FORBIDDEN_VALUE_CHAR, HEADER_LINE } from './message.js';

export function formatAptMessage(message: AptMessage): string {
  const header = `${message.code} ${message.text}`;
  if (!Number.isInteger(message.code) || !HEADER_LINE.test(header)) {
    throw new AptProtocolError('APT_FRAMING', `cannot write apt message header ${quoteForError(header)}`);
  }
  const lines = [header];
  for (const [name, rawValue] of message.fields) {
    if (!FIELD_NAME.test(name)) {
      throw new AptProtocolError('APT_FIELD', `cannot write apt message field name ${quoteForError(name)}`);
    }
    const value = name.toLowerCase() === 'message' ? foldToLine(rawValue) : rawValue;
    if (value === '') continue;
    checkWritableValue(name, value);
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/**
 * One line of text from anything: every run of whitespace or control characters
 * becomes one space. Used for texts that come from errors and remote data.
 */
export function foldToLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

function checkWritableValue(name: string, value: string): void {
  if (FORBIDDEN_VALUE_CHAR.test(value)) {
    throw new AptProtocolError('APT_FIELD', `cannot write apt message field ${name}: value contains control characters or a newline`);
  }
  // apt strips blanks around a value when reading, so they cannot be sent.
  if (/^[ \t]|[ \t]$/.test(value)) {
    throw new AptProtocolError('APT_FIELD', `cannot write apt message field ${name}: value starts or ends with whitespace`);
  }
}
