/**
 * The one way reprogate fetches anything over HTTP: `boundedGet`, a GET whose every
 * dimension is bounded — connect, headers and body-idle timeouts, a total deadline, a
 * byte cap enforced while streaming, a redirect budget, and a limit on requests in
 * flight overall and per host. A hostile or broken rebuilder can make a lookup fail;
 * it cannot make it hang, fill memory, or leave the https it was asked for.
 *
 * Routing follows apt (see proxy.ts): direct requests share one keep-alive Agent;
 * each proxy gets a ProxyAgent that sends plain-http requests in absolute form
 * (`GET http://host/path`) and tunnels https with CONNECT, as apt does and as the
 * Qubes updates proxy expects.
 *
 * Requests are cache-friendly on purpose: stable URLs, no cache-busting headers, so
 * squid or apt-cacher-ng in front of a fleet can answer repeats. `Accept-Encoding:
 * identity` keeps compression (and decompression bombs) out; a server that sends an
 * encoded body anyway is refused rather than inflated.
 *
 * EDGE. Deliberately not here: retries, caching, and any meaning of the bytes.
 */
import type { SecureContextOptions } from 'node:tls';
import { Agent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import { classifyFailure, formatSeconds, httpStatusError, NetError, type FailureContext } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import { resolveProxy, type AptConfigView, type Environment } from './proxy.js';
import { nextHop, parseRequestUrl, REDIRECT_STATUSES } from './targets.js';

export interface NetLimits {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest silence between two pieces of the body. */
  bodyTimeoutMs: number;
  /** Everything, redirects included; stops a server that trickles bytes forever. */
  deadlineMs: number;
  maxBytes: number;
  maxRedirects: number;
  maxInFlight: number;
  maxInFlightPerHost: number;
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
}

/** Generous enough for Whonix templates behind Tor; tests pass short ones. */
export const DEFAULT_NET_LIMITS: Readonly<NetLimits> = Object.freeze({
  connectTimeoutMs: 15_000,
  headersTimeoutMs: 20_000,
  bodyTimeoutMs: 20_000,
  deadlineMs: 60_000,
  maxBytes: 4 * 1024 * 1024,
  maxRedirects: 3,
  // apt hands a pipelined method up to Acquire::Max-Pipeline-Depth (10) items at once
  // and each costs up to two round trips per rebuilder: keep that many in flight per
  // rebuilder, or latency (a Qubes proxy, Tor) multiplies (bench W2).
  maxInFlight: 64,
  maxInFlightPerHost: 16,
  connectionsPerOrigin: 16,
  keepAliveTimeoutMs: 10_000,
});

export interface HttpClientOptions {
  config: AptConfigView;
  env: Environment;
  /** Trusted CAs for https; replaces Node's bundled roots, as apt's `Acquire::https::CaInfo` does. */
  ca?: SecureContextOptions['ca'];
  limits?: Partial<NetLimits>;
  userAgent?: string;
}

export interface GetOptions {
  maxBytes?: number;
  deadlineMs?: number;
  signal?: AbortSignal;
  accept?: string;
}

export interface HttpResponse {
  status: number;
  bytes: Uint8Array;
  /** The URL that answered, after redirects. */
  url: string;
}

/** What adapters need: one bounded GET. Resolves only for 2xx; everything else is a NetError. */
export interface HttpGetter {
  boundedGet(url: string | URL, options?: GetOptions): Promise<HttpResponse>;
}

export interface HttpClient extends HttpGetter {
  /** Closes idle connections and waits for requests in flight (each is bounded by its deadline). */
  close(): Promise<void>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const limits: NetLimits = { ...DEFAULT_NET_LIMITS, ...options.limits };
  const routes = new Routes(options, limits);
  const limiter = new ConcurrencyLimiter(limits.maxInFlight, limits.maxInFlightPerHost);
  const userAgent = options.userAgent ?? 'reprogate';
  let closed = false;

  async function fetchOnce(url: URL, maxBytes: number, accept: string | undefined, scope: RequestScope): Promise<Hop> {
    const release = await limiter.acquire(url.host, scope.signal);
    try {
      const route = routes.forUrl(url);
      const context = (phase: FailureContext['phase']): FailureContext => ({
        url: url.href,
        proxy: route.proxyLabel,
        phase,
        timeouts: { connectMs: limits.connectTimeoutMs, headersMs: limits.headersTimeoutMs, bodyMs: limits.bodyTimeoutMs },
      });
      const headers: Record<string, string> = { 'user-agent': userAgent, 'accept-encoding': 'identity' };
      if (accept !== undefined) headers['accept'] = accept;

      let response: Dispatcher.ResponseData;
      try {
        response = await route.dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers,
          signal: scope.signal,
          headersTimeout: limits.headersTimeoutMs,
          bodyTimeout: limits.bodyTimeoutMs,
        });
      } catch (err) {
        throw scope.aborted ? err : classifyFailure(err, context('before-headers'));
      }

      const { statusCode, headers: responseHeaders, body } = response;
      if (REDIRECT_STATUSES.has(statusCode)) {
        await discard(body);
        return { kind: 'redirect', location: single(responseHeaders['location']) };
      }
      if (statusCode < 200 || statusCode > 299) {
        await discard(body);
        throw httpStatusError(statusCode, url.href);
      }
      const encoding = single(responseHeaders['content-encoding'])?.trim().toLowerCase();
      if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
        abandon(body);
        throw new NetError({
          code: 'NET_BAD_RESPONSE',
          reason: `body sent with Content-Encoding ${encoding} although identity was asked for`,
          url: url.href,
          transient: false,
        });
      }
      const declared = Number(single(responseHeaders['content-length']));
      if (declared > maxBytes) {
        abandon(body);
        throw tooLarge(maxBytes, url.href);
      }
      try {
        return { kind: 'response', status: statusCode, bytes: await readCapped(body, maxBytes, url.href) };
      } catch (err) {
        throw scope.aborted || err instanceof NetError ? err : classifyFailure(err, context('body'));
      }
    } finally {
      release();
    }
  }

  return {
    async boundedGet(input, getOptions = {}) {
      let url = parseRequestUrl(input);
      if (closed) {
        throw new NetError({ code: 'NET_ABORTED', reason: 'HTTP client already closed', url: url.href, transient: false });
      }
      const maxBytes = getOptions.maxBytes ?? limits.maxBytes;
      const scope = new RequestScope(getOptions.deadlineMs ?? limits.deadlineMs, getOptions.signal);
      const visited = new Set([url.href]);
      try {
        for (let redirects = 0; ; redirects += 1) {
          const hop = await fetchOnce(url, maxBytes, getOptions.accept, scope);
          if (hop.kind === 'response') return { status: hop.status, bytes: hop.bytes, url: url.href };
          url = nextHop(url, hop.location, redirects, limits.maxRedirects, visited);
          visited.add(url.href);
        }
      } catch (err) {
        throw scope.explain(err, url.href);
      } finally {
        scope.dispose();
      }
    },
    async close() {
      closed = true;
      await routes.close();
    },
  };
}

type Hop = { kind: 'response'; status: number; bytes: Uint8Array } | { kind: 'redirect'; location: string | undefined };

interface Route {
  dispatcher: Dispatcher;
  /** host:port of the proxy, for messages; never the credentials. */
  proxyLabel: string | undefined;
}

/** The dispatchers, created on first use: one direct Agent, one ProxyAgent per proxy URL. */
class Routes {
  readonly #options: HttpClientOptions;
  readonly #limits: NetLimits;
  #direct: Agent | undefined;
  readonly #proxies = new Map<string, Route>();
  readonly #byOrigin = new Map<string, Route>();

  constructor(options: HttpClientOptions, limits: NetLimits) {
    this.#options = options;
    this.#limits = limits;
  }

  forUrl(url: URL): Route {
    // The choice depends on the scheme and host alone, and neither apt's configuration
    // nor the environment changes while the client lives: decide once per origin.
    const origin = `${url.protocol}//${url.host}`;
    let route = this.#byOrigin.get(origin);
    if (route === undefined) {
      route = this.#choose(url);
      this.#byOrigin.set(origin, route);
    }
    return route;
  }

  #choose(url: URL): Route {
    const choice = resolveProxy(url, this.#options.config, this.#options.env);
    if (choice.kind === 'direct') return { dispatcher: this.#directAgent(), proxyLabel: undefined };
    let route = this.#proxies.get(choice.url);
    if (route === undefined) {
      route = this.#proxyRoute(choice.url, url);
      this.#proxies.set(choice.url, route);
    }
    return route;
  }

  async close(): Promise<void> {
    const all: Dispatcher[] = [...this.#proxies.values()].map((route) => route.dispatcher);
    if (this.#direct !== undefined) all.push(this.#direct);
    this.#proxies.clear();
    this.#byOrigin.clear();
    this.#direct = undefined;
    await Promise.all(all.map((dispatcher) => dispatcher.close()));
  }

  #tls(): TlsOptions {
    const tls: TlsOptions = { timeout: this.#limits.connectTimeoutMs };
    if (this.#options.ca !== undefined) tls.ca = this.#options.ca;
    return tls;
  }

  #directAgent(): Agent {
    this.#direct ??= new Agent({
      connections: this.#limits.connectionsPerOrigin,
      keepAliveTimeout: this.#limits.keepAliveTimeoutMs,
      headersTimeout: this.#limits.headersTimeoutMs,
      bodyTimeout: this.#limits.bodyTimeoutMs,
      connect: this.#tls(),
    });
    return this.#direct;
  }

  #proxyRoute(proxyUrl: string, target: URL): Route {
    let parsed: URL;
    try {
      parsed = new URL(proxyUrl);
    } catch {
      throw proxyConfigError('invalid proxy setting', target);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw proxyConfigError(`unsupported proxy scheme ${parsed.protocol} (only http:// and https:// proxies)`, target);
    }
    const limits = this.#limits;
    const dispatcher = new ProxyAgent({
      uri: parsed.href,
      // Plain http goes to the proxy in absolute form, like apt; https is tunnelled.
      proxyTunnel: false,
      connections: limits.connectionsPerOrigin,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
      proxyTls: this.#tls(),
      requestTls: this.#tls(),
      // The pool that sends CONNECT: without a headers timeout of its own, a proxy that
      // accepts the connection and never answers would hold the tunnel for 300 s.
      clientFactory: (origin: URL, opts: object) =>
        new Pool(origin, { ...(opts as Pool.Options), headersTimeout: limits.headersTimeoutMs }),
    });
    return { dispatcher, proxyLabel: parsed.host };
  }
}

/** For undici's connector: the connect (and TLS handshake) timeout, and the CAs to trust. */
type TlsOptions = { timeout: number; ca?: SecureContextOptions['ca'] };

function proxyConfigError(reason: string, target: URL): NetError {
  return new NetError({ code: 'NET_PROXY', reason, url: target.href, transient: false });
}

/**
 * The caller's signal and the total deadline, folded into the one signal undici sees;
 * remembers which of the two fired, because undici reports both as a plain abort.
 */
class RequestScope {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #outer: AbortSignal | undefined;
  readonly #deadlineMs: number;
  #cause: 'deadline' | 'caller' | undefined;
  readonly #onOuterAbort = (): void => this.#abort('caller');

  constructor(deadlineMs: number, outer: AbortSignal | undefined) {
    this.#deadlineMs = deadlineMs;
    this.#outer = outer;
    this.#timer = setTimeout(() => this.#abort('deadline'), deadlineMs);
    if (outer?.aborted === true) this.#abort('caller');
    else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#cause !== undefined;
  }

  explain(err: unknown, url: string): NetError {
    if (this.#cause === 'deadline') {
      return new NetError({
        code: 'NET_TIMEOUT',
        reason: `no complete response within ${formatSeconds(this.#deadlineMs)}`,
        url,
        transient: true,
        cause: err,
      });
    }
    if (this.#cause === 'caller') {
      return new NetError({ code: 'NET_ABORTED', reason: 'request aborted', url, transient: true, cause: err });
    }
    if (err instanceof NetError) return err;
    return new NetError({ code: 'NET_CONNECT', reason: 'unexpected client failure', url, transient: false, cause: err });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }

  #abort(cause: 'deadline' | 'caller'): void {
    if (this.#cause !== undefined) return;
    this.#cause = cause;
    this.#controller.abort(new Error(`request stopped: ${cause}`));
  }
}

type Body = Dispatcher.ResponseData['body'];

async function readCapped(body: Body, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      abandon(body);
      throw tooLarge(maxBytes, url);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Drops a body we will not read; undici then reports an abort we have no use for. */
function abandon(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Reads a little of an unwanted body so the connection can be reused; a big one is cut. */
async function discard(body: Body): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // The connection is gone; nothing we wanted was in there.
  }
}

function tooLarge(maxBytes: number, url: string): NetError {
  return new NetError({ code: 'NET_TOO_LARGE', reason: `response larger than ${formatBytes(maxBytes)}`, url, transient: false });
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
