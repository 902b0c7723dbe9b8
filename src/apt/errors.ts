/**
 * Errors of the relay around apt's http method (the codec's own are in
 * protocol/errors.ts). Inside the relay every one of them ends as a refusal of the
 * item concerned; they are thrown only where there is no item to refuse.
 */
import { ReprogateError } from '../errors.js';

export type AptRelayErrorCode =
  | 'APT_RELAY_SCHEME' // the method was invoked under a name that is not <prefix>+http(s)
  | 'APT_RELAY_GATE_RESULT'; // the injected gate returned something that is not a GateResult

export class AptRelayError extends ReprogateError<AptRelayErrorCode> {}
