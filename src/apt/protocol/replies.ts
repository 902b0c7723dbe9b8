/**
 * The messages a method sends apt, built with the fields apt reads for each code
 * (research note §2; acquire-worker.cc). Each builder returns an AptMessage; the
 * formatter checks every value. Does not send anything.
 */
import type { AptField, AptMessage } from './message.js';
import { aptMessage } from './message.js';

export interface Capabilities {
  readonly version: string;
  readonly singleInstance?: boolean;
  readonly pipeline?: boolean;
  readonly sendConfig?: boolean;
  readonly localOnly?: boolean;
  readonly needsCleanup?: boolean;
  readonly removable?: boolean;
  readonly auxRequests?: boolean;
  readonly sendUriEncoded?: boolean;
}

/** `100 Capabilities`; only the flags that are true are sent, as apt's methods do. */
export function capabilitiesMessage(caps: Capabilities): AptMessage {
  const flags: [string, boolean | undefined][] = [
    ['Single-Instance', caps.singleInstance],
    ['Pipeline', caps.pipeline],
    ['Send-Config', caps.sendConfig],
    ['Local-Only', caps.localOnly],
    ['Needs-Cleanup', caps.needsCleanup],
    ['Removable', caps.removable],
    ['AuxRequests', caps.auxRequests],
    ['Send-URI-Encoded', caps.sendUriEncoded],
  ];
  return aptMessage(100, [['Version', caps.version], ...flags.filter(([, on]) => on).map(([n]) => [n, 'true'] as const)]);
}

/** `101 Log`: shown by apt only under Debug::pkgAcquire::Worker. */
export function logMessage(message: string, uri?: string): AptMessage {
  return aptMessage(101, [...(uri === undefined ? [] : [['URI', uri] as const]), ['Message', message]]);
}

/** `102 Status`: the progress line apt shows for the item. */
export function statusMessage(uri: string, message: string): AptMessage {
  return aptMessage(102, [['URI', uri], ['Message', message]]);
}

/** `104 Warning`: printed by apt as `W: <uri>: <message>`. */
export function warningMessage(uri: string, message: string): AptMessage {
  return aptMessage(104, [['URI', uri], ['Message', message]]);
}

/** The hashes a method reports in `201 URI Done`, which apt trusts without re-hashing. */
export interface ReportedHashes {
  readonly sha512?: string;
  readonly sha256?: string;
  readonly sha1?: string;
  readonly md5?: string;
  readonly size?: number;
}

/**
 * `201 URI Done`. `extra` carries informational fields (`Last-Modified`,
 * `IMS-Hit`, ...) placed between the file and its hashes.
 */
export function uriDoneMessage(
  uri: string,
  filename: string,
  hashes: ReportedHashes,
  extra: readonly AptField[] = [],
): AptMessage {
  const fields: AptField[] = [['URI', uri], ['Filename', filename]];
  if (hashes.size !== undefined) fields.push(['Size', String(hashes.size)]);
  fields.push(...extra);
  if (hashes.sha512 !== undefined) fields.push(['SHA512-Hash', hashes.sha512]);
  if (hashes.sha256 !== undefined) fields.push(['SHA256-Hash', hashes.sha256]);
  if (hashes.sha1 !== undefined) fields.push(['SHA1-Hash', hashes.sha1]);
  if (hashes.md5 !== undefined) fields.push(['MD5Sum-Hash', hashes.md5]);
  if (hashes.size !== undefined) fields.push(['Checksum-FileSize-Hash', String(hashes.size)]);
  return aptMessage(201, fields);
}

export interface UriFailure {
  readonly uri: string;
  readonly message: string;
  /** apt retries transient failures and tries alternative mirrors for other reasons. */
  readonly failReason?: string;
  readonly transient?: boolean;
}

/** `400 URI Failure` for one item. */
export function uriFailureMessage(failure: UriFailure): AptMessage {
  const fields: AptField[] = [['URI', failure.uri], ['Message', failure.message]];
  if (failure.failReason !== undefined) fields.push(['FailReason', failure.failReason]);
  if (failure.transient) fields.push(['Transient-Failure', 'true']);
  return aptMessage(400, fields);
}

/** `401 General Failure`: apt prints it as an error; the method exits afterwards. */
export function generalFailureMessage(message: string): AptMessage {
  return aptMessage(401, [['Message', message]]);
}
