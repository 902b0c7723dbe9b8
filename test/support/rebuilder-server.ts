/**
 * A loopback rebuilder for tests: speaks the rebuilderd v1 API (and v0 when asked, as
 * an old instance would), publishes instance keys, and serves a package-rebuilder
 * `sources/<name>/<version>/metadata` tree — over HTTP, or HTTPS with a throwaway
 * certificate. Attestations are opaque bytes here; whoever adds a package decides
 * whether they are signed.
 *
 * Any route can be told to misbehave (`fault`): delay, answer with a status or given
 * bytes, reset the connection mid-body, truncate, speak something that is not HTTP,
 * send a huge or endless body, trickle one byte at a time, send a gzip bomb, or
 * redirect. Every request is recorded (target as sent, headers, peer address, and a
 * per-connection number that shows keep-alive reuse).
 *
 * On purpose, the v1 and v0 package searches filter by name and architecture only and
 * ignore the version: every matching record comes back, so a client must prove it
 * picks the exact version (epoch included) itself.
 *
 * Does not implement rebuilderd's paging, sorting, or any route a client of reprogate
 * does not use.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface RebuilderServerOptions {
  /** PEM certificate chain and key; makes the server HTTPS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** Path the instance lives under, like reproduce.debian.net's `/amd64/` (default `/`). */
  readonly basePath?: string;
  /** Which rebuilderd APIs answer (default v1 only); a disabled API answers 404. */
  readonly api?: { readonly v1?: boolean; readonly v0?: boolean };
  /** PEM public keys for `/api/v1/meta/public-keys` and `/api/v0/public-keys`. */
  readonly publicKeys?: readonly string[];
  /** Drop every TCP connection from another peer address (to prove a proxy was used). */
  readonly allowOnlyFrom?: string;
}

export interface PackageSpec {
  readonly name: string;
  /** Debian version as in Packages, epoch included. */
  readonly version: string;
  readonly architecture: string;
  /** rebuilderd status (default GOOD). */
  readonly status?: string;
  /** One attestation per artifact; v1 serves each, v0 only the first (as rebuilderd does). */
  readonly attestations: readonly (Uint8Array | string)[];
}

export interface AddedPackage {
  readonly buildId: number;
  readonly artifactIds: readonly number[];
}

export type Fault =
  /** Wait, then answer normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answer with this status and a short text body. */
  | { readonly kind: 'status'; readonly status: number }
  /** Answer with these bytes (default status 200, JSON content type). */
  | { readonly kind: 'body'; readonly bytes: Uint8Array | string; readonly status?: number; readonly headers?: Readonly<Record<string, string>> }
  /** Headers and part of the body, then a TCP reset. */
  | { readonly kind: 'reset-mid-body' }
  /** Announce a Content-Length, send half of it, close cleanly. */
  | { readonly kind: 'truncate' }
  /** Bytes that are not an HTTP response, then close. */
  | { readonly kind: 'garbage' }
  /** A body of this many bytes, with its Content-Length. */
  | { readonly kind: 'huge'; readonly bytes: number }
  /** A chunked body that never ends. */
  | { readonly kind: 'endless' }
  /** One byte every `intervalMs`, forever (slowloris). */
  | { readonly kind: 'trickle'; readonly intervalMs: number }
  /** A small gzip body (Content-Encoding: gzip) that inflates to `decodedBytes` (default 64 MiB). */
  | { readonly kind: 'gzip-bomb'; readonly decodedBytes?: number }
  /** A redirect; `to` is sent as the Location verbatim (relative or absolute). */
  | { readonly kind: 'redirect'; readonly to: string; readonly status?: number };

/** A route: the request path below `basePath` as sent (still percent-encoded), or a pattern for it. */
export type Route = string | RegExp;

export interface RecordedRequest {
  readonly method: string;
  /** The request target as sent: absolute-form when it came through a plain-http proxy. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  /** Numbered per TCP connection: equal numbers show keep-alive reuse. */
  readonly connection: number;
}

export interface RebuilderServer extends AsyncDisposable {
  /** The instance base URL, with a trailing slash: `http://127.0.0.1:<port>/<basePath>`. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Requests whose path below basePath matches the route. */
  requestsTo(route: Route): RecordedRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** The most requests that were being answered at once. */
  readonly peakInFlight: number;
  addPackage(spec: PackageSpec): AddedPackage;
  addSourcesMetadata(name: string, version: string, bytes: Uint8Array | string): void;
  setPublicKeys(keys: readonly string[]): void;
  /** Misbehave on a route until `clearFaults`; later faults for the same request win. */
  fault(route: Route, fault: Fault): void;
  clearFaults(): void;
  clearLog(): void;
  /** Stop listening, cut every connection, stop every timer. */
  close(): Promise<void>;
}

interface StoredPackage {
  readonly spec: PackageSpec;
  readonly buildId: number;
  readonly artifactIds: readonly number[];
}

const JSON_TYPE = 'application/json; charset=utf-8';

export async function startRebuilderServer(options: RebuilderServerOptions = {}): Promise<RebuilderServer> {
  const host = options.host ?? '127.0.0.1';
  const basePath = normaliseBasePath(options.basePath ?? '/');
  const v1 = options.api?.v1 ?? true;
  const v0 = options.api?.v0 ?? false;
  let publicKeys = [...(options.publicKeys ?? [])];
  const packages: StoredPackage[] = [];
  /** The same packages by name: a benchmark asks hundreds of times a run, over hundreds of packages. */
  const packagesByName = new Map<string, StoredPackage[]>();
  const attestations = new Map<string, Uint8Array>(); // `${buildId}/${artifactId}`
  const sources = new Map<string, Uint8Array>(); // `${name}/${version}`
  const faults: { route: Route; fault: Fault }[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;
  let nextBuildId = 1000;
  let nextArtifactId = 5000;
  let inFlight = 0;
  let peakInFlight = 0;
  let closing = false;

  const relativePath = (target: string): string | undefined => {
    const pathname = pathOf(target);
    return pathname.startsWith(basePath) ? pathname.slice(basePath.length) : undefined;
  };
  const matches = (route: Route, path: string): boolean => (typeof route === 'string' ? route === path : route.test(path));

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let id = connectionIds.get(req.socket);
    if (id === undefined) connectionIds.set(req.socket, (id = ++connections));
    const target = req.url ?? '/';
    requests.push({ method: req.method ?? '', target, headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '', connection: id });
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));

    const path = relativePath(target);
    const fault = path === undefined ? undefined : faults.filter((f) => matches(f.route, path)).at(-1)?.fault;
    if (fault !== undefined) {
      misbehave(req, res, fault);
      return;
    }
    answer(req, res, path);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, path: string | undefined): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405);
    if (path === undefined) return text(res, 404);
    const query = new URL(req.url ?? '/', 'http://placeholder').searchParams;

    if (path.startsWith('api/v1/')) {
      if (!v1) return text(res, 404);
      if (path === 'api/v1/packages/binary') return json(res, searchV1(query));
      if (path === 'api/v1/meta/public-keys') return json(res, { current: publicKeys });
      const artifact = /^api\/v1\/builds\/(\d+)\/artifacts\/(\d+)\/attestation$/.exec(path);
      if (artifact !== null) return bytes(res, attestations.get(`${artifact[1]}/${artifact[2]}`));
      return text(res, 404);
    }
    if (path.startsWith('api/v0/')) {
      if (!v0) return text(res, 404);
      if (path === 'api/v0/pkgs/list') return json(res, listV0(query));
      if (path === 'api/v0/public-keys') return json(res, { current: publicKeys });
      const build = /^api\/v0\/builds\/(\d+)\/attestation$/.exec(path);
      if (build !== null) {
        const stored = packages.find((p) => String(p.buildId) === build[1]);
        const first = stored?.artifactIds[0];
        return bytes(res, first === undefined ? undefined : attestations.get(`${stored?.buildId}/${first}`));
      }
      return text(res, 404);
    }
    const metadata = /^sources\/([^/]+)\/([^/]+)\/metadata$/.exec(path);
    if (metadata !== null) {
      const key = `${safeDecode(metadata[1] ?? '')}/${safeDecode(metadata[2] ?? '')}`;
      return bytes(res, sources.get(key));
    }
    return text(res, 404);
  };

  const selected = (query: URLSearchParams): StoredPackage[] => {
    const name = query.get('name');
    const architecture = query.get('architecture');
    const candidates = name === null ? packages : (packagesByName.get(name) ?? []);
    return architecture === null ? [...candidates] : candidates.filter((p) => p.spec.architecture === architecture);
  };

  const searchV1 = (query: URLSearchParams): unknown => {
    const records = selected(query).flatMap((p) =>
      p.artifactIds.map((artifactId) => ({
        id: artifactId,
        name: p.spec.name,
        version: p.spec.version,
        distribution: 'debian',
        release: 'trixie',
        component: 'main',
        architecture: p.spec.architecture,
        url: `pool/main/${p.spec.name}_${p.spec.version}_${p.spec.architecture}.deb`,
        status: p.spec.status ?? 'GOOD',
        build_id: p.buildId,
        artifact_id: artifactId,
        diffoscope_log_id: null,
        attestation_log_id: artifactId,
        last_seen: '2026-01-01T00:00:00',
        seen_in_last_sync: true,
      })),
    );
    return { total: records.length, records };
  };

  const listV0 = (query: URLSearchParams): unknown =>
    selected(query).map((p) => ({
      name: p.spec.name,
      version: p.spec.version,
      status: p.spec.status ?? 'GOOD',
      distro: 'debian',
      suite: 'main',
      architecture: p.spec.architecture,
      artifact_url: `pool/main/${p.spec.name}_${p.spec.version}_${p.spec.architecture}.deb`,
      build_id: p.buildId,
      built_at: '2026-01-01T00:00:00',
      has_diffoscope: false,
      has_attestation: p.artifactIds.length > 0,
    }));

  const misbehave = (req: IncomingMessage, res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case 'delay':
        later(fault.ms, () => {
          if (!res.destroyed) answer(req, res, relativePath(req.url ?? '/'));
        });
        return;
      case 'status':
        return text(res, fault.status);
      case 'body': {
        const body = toBytes(fault.bytes);
        res.writeHead(fault.status ?? 200, { 'content-type': JSON_TYPE, 'content-length': String(body.length), ...fault.headers });
        res.end(body);
        return;
      }
      case 'reset-mid-body': {
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '4096' });
        res.write(Buffer.alloc(1024, 0x20), () => {
          later(20, () => req.socket.resetAndDestroy());
        });
        return;
      }
      case 'truncate': {
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '2048' });
        res.write(Buffer.alloc(1024, 0x20), () => req.socket.end());
        return;
      }
      case 'garbage':
        req.socket.end(Buffer.from('SSH-2.0-not-http\r\n\x00\x01\x02\xff\xfe\r\n\r\n', 'latin1'));
        return;
      case 'huge':
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(fault.bytes) });
        pump(res, fault.bytes);
        return;
      case 'endless':
        res.writeHead(200, { 'content-type': JSON_TYPE });
        pump(res, Number.POSITIVE_INFINITY);
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': JSON_TYPE });
        const drip = (): void => {
          if (res.destroyed || closing) return;
          res.write(' ');
          later(fault.intervalMs, drip);
        };
        drip();
        return;
      }
      case 'gzip-bomb': {
        const bomb = gzipBomb(fault.decodedBytes ?? 64 * 1024 * 1024);
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
        res.end(bomb);
        return;
      }
      case 'redirect':
        res.writeHead(fault.status ?? 302, { location: fault.to, 'content-length': '0' });
        res.end();
        return;
    }
  };

  const server: Server =
    options.tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler);
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    if (options.allowOnlyFrom !== undefined && socket.remoteAddress !== options.allowOnlyFrom) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('rebuilder server has no TCP port');
  const origin = `${options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await done;
    })();
    return closed;
  };

  return {
    url: `${origin}${basePath}`,
    origin,
    port: address.port,
    requests,
    requestsTo: (route) => requests.filter((r) => {
      const path = relativePath(r.target);
      return path !== undefined && matches(route, path);
    }),
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    addPackage(spec) {
      const buildId = nextBuildId++;
      const artifactIds = spec.attestations.map((attestation) => {
        const artifactId = nextArtifactId++;
        attestations.set(`${buildId}/${artifactId}`, toBytes(attestation));
        return artifactId;
      });
      const stored = { spec, buildId, artifactIds };
      packages.push(stored);
      const named = packagesByName.get(spec.name);
      if (named === undefined) packagesByName.set(spec.name, [stored]);
      else named.push(stored);
      return { buildId, artifactIds };
    },
    addSourcesMetadata(name, version, body) {
      sources.set(`${name}/${version}`, toBytes(body));
    },
    setPublicKeys(keys) {
      publicKeys = [...keys];
    },
    fault(route, fault) {
      faults.push({ route, fault });
    },
    clearFaults() {
      faults.length = 0;
    },
    clearLog() {
      requests.length = 0;
      peakInFlight = inFlight;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Writes `total` filler bytes, honouring backpressure, until done or the peer goes away. */
function pump(res: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const more = (): void => {
    while (!res.destroyed && sent < total) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', more);
        return;
      }
    }
    if (!res.destroyed && sent >= total) res.end();
  };
  more();
}

/**
 * Concatenated gzip members each inflating to 1 MiB of zeros (a gzip stream may hold
 * several members; decoders join them): about 1 KiB per MiB, built without
 * compressing the whole payload in this process.
 */
let bombMember: Buffer | undefined;
function gzipBomb(decodedBytes: number): Buffer {
  bombMember ??= gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  const member = bombMember;
  return Buffer.concat(Array.from({ length: Math.max(1, Math.ceil(decodedBytes / (1024 * 1024))) }, () => member));
}

function text(res: ServerResponse, status: number): void {
  const body = `${status}\n`;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(body.length) });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(body.length) });
  res.end(body);
}

function bytes(res: ServerResponse, body: Uint8Array | undefined): void {
  if (body === undefined) return text(res, 404);
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(body.length) });
  res.end(body);
}

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** The path of a request target, origin-form or absolute-form, without the query. */
function pathOf(target: string): string {
  const withoutOrigin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.test(target) ? target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') : target;
  const query = withoutOrigin.indexOf('?');
  return query === -1 ? withoutOrigin : withoutOrigin.slice(0, query);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function normaliseBasePath(path: string): string {
  const withLeading = path.startsWith('/') ? path : `/${path}`;
  return withLeading.endsWith('/') ? withLeading : `${withLeading}/`;
}
