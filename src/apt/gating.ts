/**
 * What the relay tells apt about a package once the gate has decided, and about a
 * redirect that would leave our scheme. Pure: the relay performs the replies and
 * file removals these functions describe.
 *
 * apt trusts the hashes a method reports in `201 URI Done` and hashes the file
 * itself only when none is reported (research note §0.1, §6). So an accepted
 * package is reported with the hashes the gate computed over the file on disk,
 * never with the child's, and the child's 201 is rebuilt from a short list of
 * informational fields: an `Alt-Filename` or `Alt-*-Hash` passed along would point
 * apt at a file the gate never saw. A refused package is deleted before apt hears
 * of it, so a later run cannot pick the complete file up from `partial/`.
 */
import type { AcquireItem } from './protocol/acquire.js';
import { foldToLine } from './protocol/format.js';
import type { AptField, AptMessage } from './protocol/message.js';
import { getField } from './protocol/message.js';
import { uriDoneMessage, uriFailureMessage, warningMessage } from './protocol/replies.js';
import { hasCode } from '../errors.js';
import { AptRelayError } from './errors.js';
import { staysInScheme } from './scheme.js';

/** Hashes over the exact bytes the gate accepted; apt compares these with its index. */
export interface GateHashes {
  readonly sha256: string;
  /** Reported when `Acquire::ForceHash` makes apt compare this type alone (see method/gate.ts). */
  readonly sha512?: string;
  readonly md5?: string;
  readonly size: number;
}

export type GateResult =
  | { readonly accept: true; readonly hashes: GateHashes; readonly warning?: string }
  | { readonly accept: false; readonly message: string; readonly failReason: string };

/** The verification the relay calls; injected by the composition root. */
export interface RelayGate {
  /**
   * A package item's 600 has arrived: lookups may start now, in parallel with the
   * download. Errors thrown here are logged and otherwise ignored; `gate` decides.
   */
  onAcquire(item: AcquireItem): void;
  /**
   * Decides the downloaded file at `filename`. `signal` aborts when the relay stops
   * (SIGINT, apt gone); the result is then ignored and the file deleted.
   */
  gate(item: AcquireItem, filename: string, signal: AbortSignal): Promise<GateResult>;
}

/** `FailReason` values the relay sends; apt treats unknown reasons as non-transient. */
export const RELAY_FAIL_REASON = {
  /** The gate threw, returned nonsense, or the 201 named no file: refused, fail closed. */
  gateError: 'ReprogateGateError',
  /** A 103 Redirect whose New-URI leaves our scheme. */
  redirect: 'ReprogateRedirectRefused',
  /** A 600 we could not read. */
  badRequest: 'ReprogateBadRequest',
} as const;

export interface GateOutcome {
  /** Messages for apt, in order. */
  readonly replies: readonly AptMessage[];
  /** Files to delete before the replies are sent. */
  readonly removeFiles: readonly string[];
}

/** Fields of the child's 201 that describe the transfer and say nothing about content. */
const KEPT_DONE_FIELDS = ['Last-Modified', 'IMS-Hit', 'Resume-Point', 'UsedMirror'];

/**
 * The outcome for a package whose download the child reported in `done`, given
 * the gate's `result`. Throws APT_RELAY_GATE_RESULT if `result` is malformed (the
 * caller turns that into gateErrorOutcome).
 */
export function gateOutcome(item: AcquireItem, done: AptMessage, filename: string, result: GateResult): GateOutcome {
  // The gate is injected code; its result is checked as if it were input.
  if (typeof result !== 'object' || result === null) {
    throw new AptRelayError('APT_RELAY_GATE_RESULT', 'the gate returned no result');
  }
  if (result.accept === true) {
    const hashes = checkedHashes(result.hashes);
    const kept: AptField[] = [];
    for (const name of KEPT_DONE_FIELDS) {
      const value = getField(done, name);
      if (value !== undefined) kept.push([name, value]);
    }
    const replies: AptMessage[] = [];
    if (typeof result.warning === 'string' && foldToLine(result.warning) !== '') {
      replies.push(warningMessage(item.uri, result.warning));
    }
    replies.push(uriDoneMessage(item.uri, filename, hashes, kept));
    return { replies, removeFiles: [] };
  }
  if (result.accept === false && typeof result.message === 'string') {
    const message = foldToLine(result.message) || `reprogate refused ${filename}`;
    const failReason =
      typeof result.failReason === 'string' && /^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(result.failReason)
        ? result.failReason
        : RELAY_FAIL_REASON.gateError;
    return {
      replies: [uriFailureMessage({ uri: item.uri, message, failReason })],
      removeFiles: filesOf(item, filename),
    };
  }
  throw new AptRelayError('APT_RELAY_GATE_RESULT', 'the gate returned neither an acceptance nor a refusal');
}

/**
 * Digests apt's http method need not compute for a package. It computes exactly the
 * types the `600` lists as `Expected-*`, but apt never sees its 201's hashes for a
 * package (the gate hashes the file itself), so every type but SHA-256 (the one the
 * gate always computes, and which keeps the child from falling back to all types) is
 * work thrown away: MD5 alone costs the child more than SHA-256 over the same bytes.
 */
const REDUNDANT_FOR_CHILD = new Set(['expected-md5sum', 'expected-sha1', 'expected-sha512']);

/**
 * A package's `600` as the child should get it: without the Expected-* digests only
 * apt would compare, when `Expected-SHA256` is there to keep; otherwise unchanged.
 */
export function childAcquireRequest<M extends AptMessage>(request: M): M | AptMessage {
  if (getField(request, 'Expected-SHA256') === undefined) return request;
  const fields = request.fields.filter(([name]) => !REDUNDANT_FOR_CHILD.has(name.toLowerCase()));
  return fields.length === request.fields.length ? request : { code: request.code, text: request.text, fields };
}

/** The outcome when deciding failed (the gate threw, or there was no file to gate). */
export function gateErrorOutcome(item: AcquireItem, filename: string | undefined, error: unknown): GateOutcome {
  const code = hasCode(error) ? error.code : 'UNEXPECTED';
  return {
    replies: [
      uriFailureMessage({
        uri: item.uri,
        message: `reprogate: refused ${baseName(filename || item.filename)}: verification failed (${code}); rerun with -o Debug::Reprogate=1 for details`,
        failReason: RELAY_FAIL_REASON.gateError,
      }),
    ],
    removeFiles: filesOf(item, filename),
  };
}

/** A 400 for a 103 Redirect leaving our scheme, or undefined when it stays inside. */
export function redirectRefusal(item: AcquireItem, redirect: AptMessage, scheme: string): AptMessage | undefined {
  const targets = [getField(redirect, 'New-URI') ?? '', ...(getField(redirect, 'Alternate-URIs') ?? '').split('\n')];
  const escaping = targets.find((t, i) => (i === 0 || t !== '') && !staysInScheme(scheme, t));
  if (escaping === undefined) return undefined;
  return uriFailureMessage({
    uri: item.uri,
    message: `reprogate: refused a redirect from ${scheme} to ${escaping.slice(0, 200) || '(no New-URI)'}: packages must stay in the gated scheme`,
    failReason: RELAY_FAIL_REASON.redirect,
  });
}

function checkedHashes(hashes: GateHashes | undefined): GateHashes {
  if (typeof hashes !== 'object' || hashes === null) {
    throw new AptRelayError('APT_RELAY_GATE_RESULT', 'the gate accepted without hashes');
  }
  const hex = (value: unknown, length: number): string => {
    const text = typeof value === 'string' ? value.toLowerCase() : '';
    if (text.length !== length || !/^[0-9a-f]+$/.test(text)) {
      throw new AptRelayError('APT_RELAY_GATE_RESULT', `the gate returned a malformed hash (expected ${length} hex digits)`);
    }
    return text;
  };
  if (!Number.isSafeInteger(hashes.size) || hashes.size < 0) {
    throw new AptRelayError('APT_RELAY_GATE_RESULT', 'the gate returned a malformed size');
  }
  return {
    sha256: hex(hashes.sha256, 64),
    ...(hashes.sha512 !== undefined ? { sha512: hex(hashes.sha512, 128) } : {}),
    ...(hashes.md5 !== undefined ? { md5: hex(hashes.md5, 32) } : {}),
    size: hashes.size,
  };
}

/** The reported file and the one apt asked for, when they differ: neither may stay. */
export function filesOf(item: AcquireItem, filename: string | undefined): string[] {
  return !filename || filename === item.filename ? [item.filename] : [filename, item.filename];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
