/**
 * A tiny forward proxy on loopback, for proving how a client talks to a proxy: plain
 * http arrives in absolute form (`GET http://host/path`) and is forwarded; https
 * arrives as `CONNECT host:port` and is tunnelled byte for byte. Every request line is
 * recorded. It can refuse CONNECT to ports not listed (as the Qubes updates proxy
 * allows 443 only) and can demand proxy credentials (answering 407 without them).
 *
 * Not a general proxy: no caching, no keep-alive towards targets, no header rewriting
 * beyond what forwarding needs.
 */
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface TestProxyOptions {
  /** Ports CONNECT may reach; others get 403 (default: any). */
  readonly connectPorts?: readonly number[];
  /** `user:password` the client must send as Basic Proxy-Authorization. */
  readonly credentials?: string;
}

export interface ProxiedRequest {
  readonly method: string;
  /** The request target as the client sent it to the proxy. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
}

export interface TestProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, a value for `Acquire::http::Proxy`. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const authorised = (headers: IncomingHttpHeaders): boolean =>
    options.credentials === undefined ||
    headers['proxy-authorization'] === `Basic ${Buffer.from(options.credentials).toString('base64')}`;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    requests.push({ method: req.method ?? '', target, headers: req.headers });
    if (!authorised(req.headers)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-length': '0' });
      res.end();
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400, { 'content-length': '0' });
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': '0' });
      res.end();
    });
    upstream.end();
  });

  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    requests.push({ method: req.method ?? '', target, headers: req.headers });
    const refuse = (status: string): void => {
      client.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\n\r\n`);
    };
    if (!authorised(req.headers)) return refuse('407 Proxy Authentication Required');
    const match = /^([^:]+):(\d+)$/.exec(target);
    const port = Number(match?.[2]);
    if (match === null || match[1] === undefined) return refuse('400 Bad Request');
    if (options.connectPorts !== undefined && !options.connectPorts.includes(port)) return refuse('403 Forbidden');
    let established = false;
    const upstream = connect(port, match[1], () => {
      established = true;
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.once('error', () => {
      if (established) client.destroy();
      else refuse('502 Bad Gateway');
    });
    client.once('error', () => upstream.destroy());
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test proxy has no TCP port');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    });
    return closed;
  };
  return { url: `http://127.0.0.1:${address.port}`, port: address.port, requests, close, [Symbol.asyncDispose]: close };
}
