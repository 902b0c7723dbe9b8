/**
 * apt's method protocol (a strict codec) and the relay that gates packages while
 * apt's own http method downloads them. The verification itself is injected as a
 * RelayGate by the composition root.
 */
export { AptProtocolError } from './protocol/errors.js';
export type { AptProtocolErrorCode } from './protocol/errors.js';
export { AptRelayError } from './errors.js';
export type { AptRelayErrorCode } from './errors.js';

export type { AptField, AptMessage, KnownCode, ParsedAptMessage } from './protocol/message.js';
export { aptMessage, getField, getFields, MESSAGE_TEXT } from './protocol/message.js';
export type { FramingLimits } from './protocol/framing.js';
export { AptMessageParser, DEFAULT_FRAMING_LIMITS, parseAptMessages } from './protocol/framing.js';
export { foldToLine, formatAptMessage } from './protocol/format.js';
export {
  AptConfig,
  dequoteConfigString,
  formatConfigItem,
  parseConfigItem,
  quoteConfigString,
} from './protocol/config.js';
export type { AcquireItem, ExpectedHashes } from './protocol/acquire.js';
export { isPackageItem, readAcquire } from './protocol/acquire.js';
export type { Capabilities, ReportedHashes, UriFailure } from './protocol/replies.js';
export {
  capabilitiesMessage,
  generalFailureMessage,
  logMessage,
  statusMessage,
  uriDoneMessage,
  uriFailureMessage,
  warningMessage,
} from './protocol/replies.js';

export type { GateHashes, GateResult, RelayGate } from './gating.js';
export { RELAY_FAIL_REASON } from './gating.js';
export { methodScheme } from './scheme.js';
export type { MethodChild, RelayIo, RelayLog, RelayOptions } from './relay.js';
export { nodeRelayIo, RELAY_FAILURE_EXIT, runRelay } from './relay.js';
