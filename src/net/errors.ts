/**
 * Typed failures of the HTTP edge, and the mapping from what undici and Node throw
 * (their `code`s, sometimes nested in `cause`) to ours. Callers branch on `code`,
 * show `reason` in one-line verdicts ("HTTP 404", "timeout after 2 s waiting for
 * response headers") and use `transient` to tell "try again later" from "this will
 * not work".
 *
 * Deliberately not here: retries (a verdict is computed once per apt request; the
 * next apt run is the retry) and any knowledge of rebuilders.
 */
import { ReprogateError } from '../errors.js';

export type NetErrorCode =
  | 'NET_BAD_URL'
  | 'NET_TIMEOUT'
  | 'NET_TOO_LARGE'
  | 'NET_HTTP_STATUS'
  | 'NET_CONNECT'
  | 'NET_RESET'
  | 'NET_TLS'
  | 'NET_PROXY'
  | 'NET_REDIRECT'
  | 'NET_DNS'
  | 'NET_ABORTED'
  | 'NET_BAD_RESPONSE';

export interface NetErrorInit {
  code: NetErrorCode;
  /** One line without the URL, fit for a verdict. */
  reason: string;
  url: string;
  transient: boolean;
  status?: number;
  cause?: unknown;
}

export class NetError extends ReprogateError<NetErrorCode> {
  readonly reason: string;
  readonly url: string;
  readonly transient: boolean;
  /** The HTTP status, for NET_HTTP_STATUS. */
  readonly status: number | undefined;

  constructor(init: NetErrorInit) {
    super(init.code, `${init.reason} (${init.url})`, { cause: init.cause });
    this.reason = init.reason;
    this.url = init.url;
    this.transient = init.transient;
    this.status = init.status;
  }
}

/**
 * Statuses worth trying again later. 501 is a server saying it never will; 408, 425
 * and 429 are the client-side "not now" answers.
 */
export function isTransientStatus(status: number): boolean {
  return (status >= 500 && status !== 501) || status === 408 || status === 425 || status === 429;
}

export function httpStatusError(status: number, url: string): NetError {
  return new NetError({
    code: 'NET_HTTP_STATUS',
    reason: `HTTP ${status}`,
    url,
    status,
    transient: isTransientStatus(status),
  });
}

/** What the client knew when a request failed; decides between ambiguous mappings. */
export interface FailureContext {
  url: string;
  /** host:port of the proxy the request went through, without credentials. */
  proxy: string | undefined;
  /** Whether response headers had arrived: after that, a failure is the body's. */
  phase: 'before-headers' | 'body';
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
}

const CONNECT_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
};
const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const RESET_FAILURES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
// OpenSSL verification results as Node reports them, plus Node's own TLS codes.
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|INVALID_CA$|PATH_LENGTH_EXCEEDED$|INVALID_PURPOSE$|HOSTNAME_MISMATCH$|EPROTO$)/;

/** The codes along an error's `cause` chain, outermost first (bounded: causes may loop). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** "2 s", "0.5 s": durations in reasons read the same everywhere. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * Maps a failure thrown by undici or Node to a NetError. Our own aborts (deadline,
 * caller) never come here: the client knows those by its own signal.
 */
export function classifyFailure(err: unknown, ctx: FailureContext): NetError {
  if (err instanceof NetError) return err;
  const { url, proxy } = ctx;
  const make = (code: NetErrorCode, reason: string, transient: boolean): NetError =>
    new NetError({ code, reason, url, transient, cause: err });
  const viaProxyBeforeHeaders = proxy !== undefined && ctx.phase === 'before-headers';

  for (const code of codesOf(err)) {
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
      return viaProxyBeforeHeaders
        ? make('NET_PROXY', `timeout connecting to proxy ${proxy}`, true)
        : make('NET_TIMEOUT', `timeout after ${formatSeconds(ctx.timeouts.connectMs)} connecting`, true);
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      return make('NET_TIMEOUT', `timeout after ${formatSeconds(ctx.timeouts.headersMs)} waiting for response headers`, true);
    }
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      return make('NET_TIMEOUT', `timeout after ${formatSeconds(ctx.timeouts.bodyMs)} without body data`, true);
    }
    const connectFailure = CONNECT_FAILURES[code];
    if (connectFailure !== undefined) {
      // Through a proxy the only connection we open ourselves is the one to the proxy;
      // the proxy reports its own failures to reach the target as a status.
      return viaProxyBeforeHeaders
        ? make('NET_PROXY', `cannot reach proxy ${proxy}: ${connectFailure}`, true)
        : make('NET_CONNECT', connectFailure, true);
    }
    if (DNS_FAILURES.has(code)) {
      return viaProxyBeforeHeaders
        ? make('NET_PROXY', `cannot resolve proxy ${proxy} (${code})`, true)
        : make('NET_DNS', `cannot resolve host (${code})`, true);
    }
    if (RESET_FAILURES.has(code)) {
      return make(
        'NET_RESET',
        ctx.phase === 'body'
          ? 'connection closed before the body was complete'
          : 'connection closed before a response arrived',
        true,
      );
    }
    if (code === 'UND_ERR_PRX_TLS') return make('NET_PROXY', `TLS failure talking to proxy ${proxy ?? ''}`.trim(), false);
    if (TLS_CODE.test(code)) return make('NET_TLS', `TLS failure (${code})`, false);
    if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW') {
      return make('NET_BAD_RESPONSE', `malformed HTTP response (${code})`, false);
    }
    if (viaProxyBeforeHeaders && (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_INVALID_ARG')) {
      // undici's ProxyAgent reports a refused CONNECT ("Proxy response (403) !== 200")
      // as an abort, and a 407 as an invalid argument; the status is only in the text.
      const status = /\((\d{3})\)/.exec(err instanceof Error ? err.message : '')?.[1];
      const what = status === undefined ? 'refused the request' : `answered ${status}`;
      return make('NET_PROXY', `proxy ${proxy} ${what}`, false);
    }
  }
  const codes = codesOf(err);
  const label = codes[0] ?? (err instanceof Error ? err.name : typeof err);
  return make('NET_CONNECT', `network failure (${label})`, false);
}
