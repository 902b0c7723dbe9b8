/**
 * The one error base for everything outside src/in-toto/ (which carries its own,
 * being self-contained). Every layer narrows `code` to a string-literal union so
 * callers and tests branch on the code, never on the message.
 */
import { printableLine } from './in-toto/text.js';

export class ReprogateError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    // Messages may quote untrusted or mistyped text (a policy field, a rebuilder's
    // answer): one bounded, printable line whatever it holds.
    super(printableLine(message, 2000), options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True for any error that carries a stable code of ours (in-toto's included). */
export function hasCode(e: unknown): e is Error & { code: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}
