/**
 * A loopback HTTP front that makes a healthy rebuilder unreliable: for a seeded,
 * deterministic pseudo-random share of requests it answers 503 or resets the
 * connection before answering (half each); every other request is relayed to
 * the rebuilder unchanged. The sequence of faults is fixed by the seed; which
 * request meets which fault depends on arrival order.
 *
 * rebuilder-server.ts faults whole routes; a rebuilder that fails *some* requests
 * to the same routes needs this. Not a general proxy: no TLS, no CONNECT.
 */
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface FlakyFrontOptions {
  /** Share of requests that fail, 0..1. */
  readonly failRate: number;
  readonly seed: number;
}

export interface FlakyFront {
  /** Base URL with a trailing slash, standing in for the rebuilder's. */
  readonly url: string;
  readonly stats: { readonly requests: number; readonly unavailable: number; readonly resets: number };
  close(): Promise<void>;
}

export async function startFlakyFront(backendPort: number, options: FlakyFrontOptions): Promise<FlakyFront> {
  const random = mulberry32(options.seed);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const stats = { requests: 0, unavailable: 0, resets: 0 };

  const relay = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    stats.requests += 1;
    const roll = random();
    if (roll < options.failRate / 2) {
      stats.unavailable += 1;
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('busy, try later\n');
    } else if (roll < options.failRate) {
      stats.resets += 1;
      req.socket.resetAndDestroy();
    } else {
      relay(req, res);
    }
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('flaky front has no TCP port');

  return {
    url: `http://127.0.0.1:${address.port}/`,
    stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault sequence on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
