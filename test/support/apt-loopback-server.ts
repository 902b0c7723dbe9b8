/**
 * A tiny HTTP server on 127.0.0.1 for apt's http method to download from: fixed
 * files, redirects, and responses that stall half-way (to have a transfer in
 * flight when a test kills something). Not a repository: no indices are generated.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | { readonly body: Buffer }
  | { readonly redirect: string }
  /** Sends the headers for `body` and its first `bytes`, then never finishes. */
  | { readonly body: Buffer; readonly stallAfter: number };

export interface LoopbackServer {
  readonly port: number;
  readonly base: string;
  /** Request paths in arrival order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startLoopbackServer(routes: ReadonlyMap<string, Route>): Promise<LoopbackServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    if ('redirect' in route) {
      res.writeHead(302, { location: route.redirect, 'content-length': '0' }).end();
      return;
    }
    res.writeHead(200, {
      'content-length': String(route.body.length),
      'last-modified': 'Wed, 25 Nov 2026 15:04:08 GMT',
      'content-type': 'application/octet-stream',
    });
    if ('stallAfter' in route) res.write(route.body.subarray(0, route.stallAfter));
    else res.end(route.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
