/**
 * A loopback static file server for apt repositories (HTTP or HTTPS), with what
 * apt's http method relies on: keep-alive and pipelining (Node's server handles
 * both), Last-Modified/If-Modified-Since (`apt-get update` sends IMS), and single
 * byte ranges with If-Range (apt resumes a partial .deb with `Range: bytes=N-` and
 * `If-Range: <mtime of the partial file>`).
 *
 * Fault hooks for tests: `redirect` answers chosen paths with a redirect (to
 * http://, to another host:port), `onRequest` may take over any request, and
 * `allowOnlyFrom` drops every TCP connection whose peer address differs (so a
 * server can be reachable only through a proxy bound to that address). Every
 * request and every refused connection is logged.
 *
 * Does not list directories, negotiate encodings, or serve multi-range requests
 * (it answers those with the whole file, which HTTP allows).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { posix, resolve, sep } from 'node:path';
import { AptlabError } from './errors.js';

export type RedirectStatus = 301 | 302 | 303 | 307 | 308;
export type Redirect = string | { readonly location: string; readonly status: RedirectStatus };

export interface StaticServerOptions {
  /** PEM certificate chain and key; makes the server HTTPS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** Listen port (default 0: any free port). */
  readonly port?: number;
  /** Drop connections from any other peer address (no HTTP response at all). */
  readonly allowOnlyFrom?: string;
  /** Redirect this request (absolute Location) instead of serving it; undefined serves it. */
  readonly redirect?: (path: string, req: IncomingMessage) => Redirect | undefined;
  /** Take over a request: return true once you have answered it on `res`. */
  readonly onRequest?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface RequestLogEntry {
  readonly method: string;
  /** The request target as sent (absolute-form when it came through a plain-HTTP proxy). */
  readonly target: string;
  /** The decoded path. */
  readonly path: string;
  readonly status: number;
  /** Body bytes sent. */
  readonly bytes: number;
  readonly remoteAddress: string;
  /** Numbered per TCP connection: equal numbers show keep-alive reuse. */
  readonly connection: number;
  readonly headers: IncomingHttpHeaders;
}

export interface RefusedConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface StaticServer extends AsyncDisposable {
  /** Origin, e.g. `http://127.0.0.1:34567` (default ports omitted), no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly requests: readonly RequestLogEntry[];
  readonly refused: readonly RefusedConnection[];
  /** Forget logged requests and refusals (between test steps). */
  clearLog(): void;
  /** Stop listening and cut every open connection. */
  close(): Promise<void>;
}

export async function serveStatic(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const host = options.host ?? '127.0.0.1';
  const requests: RequestLogEntry[] = [];
  const refused: RefusedConnection[] = [];
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let id = connectionIds.get(req.socket);
    if (id === undefined) connectionIds.set(req.socket, (id = ++connections));
    const target = req.url ?? '/';
    const path = decodedPath(target);
    const bytes = countBodyBytes(res);
    res.on('close', () => {
      requests.push({
        method: req.method ?? '',
        target,
        path: path ?? target,
        status: res.statusCode,
        bytes: bytes(),
        remoteAddress: req.socket.remoteAddress ?? '',
        connection: id,
        headers: req.headers,
      });
    });
    void respond(req, res, path).catch((e: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(e));
      } else {
        res.destroy();
      }
    });
  };

  const respond = async (req: IncomingMessage, res: ServerResponse, path: string | undefined): Promise<void> => {
    if (options.onRequest !== undefined && (await options.onRequest(req, res))) return;
    if (path === undefined) return plain(res, 400, 'bad request target\n');
    const redirect = options.redirect?.(path, req);
    if (redirect !== undefined) {
      const { location, status } = typeof redirect === 'string' ? { location: redirect, status: 302 } : redirect;
      res.writeHead(status, { Location: location, 'Content-Length': '0' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n');
    await serveFile(base, path, req, res);
  };

  const server: Server =
    options.tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler);
  // apt keeps a connection open across an update or a download run and pipelines on it.
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    const allowed = options.allowOnlyFrom;
    if (allowed !== undefined && socket.remoteAddress !== allowed) {
      refused.push({ remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 });
      socket.destroy();
    }
  });

  await new Promise<void>((done, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        new AptlabError(
          'APTLAB_PORT_UNAVAILABLE',
          `cannot listen on ${host}:${options.port ?? 0} (${e.code ?? e.message}); pick another port`,
          { cause: e },
        ),
      ),
    );
    server.listen(options.port ?? 0, host, done);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new AptlabError('APTLAB_PORT_UNAVAILABLE', `server on ${host} reports no TCP port`);
  }
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`).origin;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    return closed;
  };

  return {
    url,
    host,
    port: address.port,
    requests,
    refused,
    clearLog: () => {
      requests.length = 0;
      refused.length = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Count body bytes passed to write()/end(), whoever answers (file stream or onRequest). */
function countBodyBytes(res: ServerResponse): () => number {
  let count = 0;
  const add = (chunk: unknown): void => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) count += Buffer.byteLength(chunk);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    add(args[0]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') add(args[0]);
    return end(...args);
  }) as typeof res.end;
  return () => count;
}

/** The request path, percent-decoded, or undefined if it is not a clean absolute path. */
function decodedPath(target: string): string | undefined {
  // A request through a plain-HTTP proxy may carry the absolute form.
  let pathname: string;
  try {
    pathname = new URL(target, 'http://placeholder').pathname;
    pathname = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const normal = posix.normalize(pathname);
  return normal.startsWith('/') ? normal : undefined;
}

async function serveFile(base: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = resolve(base, `.${path}`);
  if (file !== base && !file.startsWith(base + sep)) return plain(res, 404, 'not found\n');
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) return plain(res, 404, 'not found\n');

  const mtimeSeconds = Math.floor(info.mtimeMs / 1000);
  const lastModified = new Date(mtimeSeconds * 1000).toUTCString();
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Last-Modified': lastModified,
    'Accept-Ranges': 'bytes',
  };

  const ims = parseHttpDate(req.headers['if-modified-since']);
  if (ims !== undefined && mtimeSeconds <= ims) {
    res.writeHead(304, headers);
    res.end();
    return;
  }

  let range = parseRange(req.headers.range, info.size);
  const ifRange = [req.headers['if-range']].flat()[0];
  // If-Range with a date is a strong match on Last-Modified: a changed file is sent whole.
  if (range !== undefined && ifRange !== undefined && parseHttpDate(ifRange) !== mtimeSeconds) range = undefined;

  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${info.size}`, 'Content-Length': '0' });
    res.end();
    return;
  }
  const [start, end] = range ?? [0, info.size - 1];
  const length = info.size === 0 ? 0 : end - start + 1;
  if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
  res.writeHead(range === undefined ? 200 : 206, { ...headers, 'Content-Length': String(length) });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  await sendBytes(file, start, length, res);
}

/**
 * The benchmark serves 250 MB a run from this process, on the same cores as apt, so
 * the bytes go out in 1 MiB pieces (per-piece work was most of its CPU at Node's
 * 64 KiB) read into buffers that are used again once the socket has taken them:
 * a fresh buffer per piece (a read stream's way) made the process spend a third
 * of its time collecting them.
 */
const PIECE_BYTES = 1024 * 1024;
/** Enough for the connections a run keeps busy at once; more pieces are left to the collector. */
const MAX_SPARE_PIECES = 8;
const sparePieces: Buffer[] = [];

async function sendBytes(file: string, start: number, length: number, res: ServerResponse): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    for (let sent = 0; sent < length && !res.destroyed; ) {
      const piece = sparePieces.pop() ?? Buffer.allocUnsafe(PIECE_BYTES);
      const { bytesRead } = await handle.read(piece, 0, Math.min(PIECE_BYTES, length - sent), start + sent);
      if (bytesRead === 0) throw new Error(`${file} ended early`);
      sent += bytesRead;
      const flowing = res.write(piece.subarray(0, bytesRead), () => {
        if (sparePieces.length < MAX_SPARE_PIECES) sparePieces.push(piece);
      });
      if (!flowing) await drainedOrClosed(res);
    }
    if (!res.destroyed) res.end();
  } catch {
    res.destroy();
  } finally {
    await handle?.close();
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      res.off('drain', finish);
      res.off('close', finish);
      done();
    };
    res.on('drain', finish);
    res.on('close', finish);
  });
}

/**
 * One `bytes=` range as [start, end] (inclusive), 'unsatisfiable', or undefined to
 * send the whole file (no header, multiple ranges, or a form we do not parse).
 */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
