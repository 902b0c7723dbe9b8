/**
 * What the relay claims in its `100 Capabilities`: what the stock http method
 * claims (Version, Pipeline, Send-Config, Send-URI-Encoded; research note §2.2),
 * because everything is passed through to that method; no Single-Instance,
 * Local-Only or AuxRequests, which neither of us does.
 *
 * A module of its own so that the method's launchers (src/bin/apt-method.ts, and
 * scripts/apt-method.in at build time) can write the message before the rest of
 * the program is loaded: apt blocks until it arrives, and apt's capability probe
 * reads nothing else.
 */
import { formatAptMessage } from './protocol/format.js';
import { capabilitiesMessage, type Capabilities } from './protocol/replies.js';

export const RELAY_CAPABILITIES: Capabilities = { version: '1.0', pipeline: true, sendConfig: true, sendUriEncoded: true };

/** The message as it goes on the wire. */
export function relayCapabilitiesText(): string {
  return formatAptMessage(capabilitiesMessage(RELAY_CAPABILITIES));
}
