/**
 * Errors of the apt method protocol codec. Anything that reaches us over apt's pipes
 * (from apt or from apt's own http method) is parsed strictly; every way it can be
 * wrong has a code here, so the relay can fail closed on it and tests can assert it.
 */
import { ReprogateError } from '../../errors.js';

export type AptProtocolErrorCode =
  | 'APT_FRAMING' // a header line that is not "NNN Text", or a stream that already failed
  | 'APT_FIELD' // a field line that is not "Name: value", or a value we refuse to send or accept
  | 'APT_ENCODING' // bytes that are not UTF-8
  | 'APT_TOO_LARGE' // a message over the byte or field limit
  | 'APT_TRUNCATED' // the stream ended inside a message
  | 'APT_CONFIG' // a 601 Config-Item that apt's quoting could not have produced
  | 'APT_MESSAGE'; // a well-formed message that lacks what its code requires (600 without URI)

export class AptProtocolError extends ReprogateError<AptProtocolErrorCode> {}

/**
 * Shows untrusted text inside an error message: quoted, control characters escaped,
 * cut short, so a hostile line cannot forge terminal output or flood a log.
 */
export function quoteForError(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
