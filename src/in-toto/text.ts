/**
 * Text that came from a document (a field name, a type, a key's scheme) ends up in
 * error messages, and from there in refusal lines on an admin's terminal. Control
 * characters are shown escaped — an escape sequence from a hostile rebuilder must
 * not reach the terminal — and the length is bounded, so a megabyte `_type` does not
 * become a megabyte line.
 */
export function printableLine(text: string, max = 300): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}
