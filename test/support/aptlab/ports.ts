/**
 * Loopback port helpers: find a free port for tools that cannot report the one
 * the kernel chose (tinyproxy), and test whether a fixed port (443) is free.
 * A free port found this way can be taken by someone else before it is used;
 * callers that bind it report APTLAB_PORT_UNAVAILABLE rather than retrying.
 */
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, host, done);
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error(`no TCP port for ${host}`);
  return address.port;
}

/** True if this process could listen on host:port right now (false for in-use or forbidden). */
export async function canListen(host: string, port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((done) => {
    server.once('error', () => done(false));
    server.listen(port, host, () => done(true));
  });
  if (ok) await new Promise<void>((done) => server.close(() => done()));
  return ok;
}
