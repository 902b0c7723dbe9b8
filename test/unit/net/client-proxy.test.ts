/**
 * The client through real proxies on loopback: a tiny Node proxy that records how it
 * was spoken to, and tinyproxy configured like the Qubes updates proxy (CONNECT only
 * to listed ports). Servers that accept connections only from 127.0.0.2 — tinyproxy's
 * outgoing address — prove a request went through the proxy and not around it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, type NetLimits } from '../../../src/net/client.js';
import type { AptConfigView } from '../../../src/net/proxy.js';
import { issueCert, makeCA, startTinyproxy, type CertificateAuthority, type ServerCertificate } from '../../support/aptlab/index.js';
import { netFailure } from '../../support/rebuilder-assert.js';
import { startTestProxy } from '../../support/rebuilder-proxy.js';
import { startRebuilderServer, type RebuilderServer, type RebuilderServerOptions } from '../../support/rebuilder-server.js';

const LIMITS: Partial<NetLimits> = { connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, deadlineMs: 2000 };

let dir: string;
let ca: CertificateAuthority;
let cert: ServerCertificate;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reprogate-proxy-'));
  ca = await makeCA(join(dir, 'ca'));
  cert = await issueCert(ca, { ips: ['127.0.0.1'] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function aptConfig(entries: Record<string, string>): AptConfigView {
  const map = new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (key) => map.get(key.toLowerCase()) };
}

async function server(options: RebuilderServerOptions = {}): Promise<RebuilderServer> {
  const s = await startRebuilderServer(options);
  s.setPublicKeys(['-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n']);
  closers.push(() => s.close());
  return s;
}

function client(config: Record<string, string>, env: Record<string, string> = {}): HttpClient {
  const c = createHttpClient({ config: aptConfig(config), env, ca: ca.cert, limits: LIMITS });
  closers.push(() => c.close());
  return c;
}

const KEYS = 'api/v1/meta/public-keys';

describe('through a Node proxy', () => {
  it('sends plain http to the proxy in absolute form', async () => {
    const proxy = await startTestProxy();
    closers.push(() => proxy.close());
    const s = await server();
    const response = await client({ 'Acquire::http::Proxy': proxy.url }).boundedGet(`${s.url}${KEYS}`);
    expect(response.status).toBe(200);
    expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([['GET', `${s.url}${KEYS}`]]);
  });

  it('tunnels https with CONNECT, the TLS session ending at the rebuilder', async () => {
    const proxy = await startTestProxy();
    closers.push(() => proxy.close());
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    const response = await client({ 'Acquire::http::Proxy': proxy.url }).boundedGet(`${s.url}${KEYS}`);
    expect(response.status).toBe(200);
    expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([['CONNECT', `127.0.0.1:${s.port}`]]);
    expect(s.requests[0]?.target).toBe(`/${KEYS}`);
  });

  it('takes the proxy from https_proxy when apt configures none', async () => {
    const proxy = await startTestProxy();
    closers.push(() => proxy.close());
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    await client({}, { https_proxy: proxy.url }).boundedGet(`${s.url}${KEYS}`);
    expect(proxy.requests).toHaveLength(1);
  });

  it('goes around the proxy for a host set to DIRECT', async () => {
    const proxy = await startTestProxy();
    closers.push(() => proxy.close());
    const s = await server();
    await client({ 'Acquire::http::Proxy': proxy.url, 'Acquire::http::Proxy::127.0.0.1': 'DIRECT' }).boundedGet(`${s.url}${KEYS}`);
    expect(proxy.requests).toHaveLength(0);
    expect(s.requests).toHaveLength(1);
  });

  it('sends credentials from the proxy URL, for http and for CONNECT', async () => {
    const proxy = await startTestProxy({ credentials: 'apt:s3cret' });
    closers.push(() => proxy.close());
    const plain = await server();
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const c = client({ 'Acquire::http::Proxy': proxy.url.replace('http://', 'http://apt:s3cret@') });
    await c.boundedGet(`${plain.url}${KEYS}`);
    await c.boundedGet(`${secure.url}${KEYS}`);
    expect(proxy.requests.map((r) => r.method)).toEqual(['GET', 'CONNECT']);
    // The rebuilder never sees the proxy's credentials.
    expect(plain.requests[0]?.headers['proxy-authorization']).toBeUndefined();
  });

  it('reports a proxy that wants credentials it did not get', async () => {
    const proxy = await startTestProxy({ credentials: 'apt:s3cret' });
    closers.push(() => proxy.close());
    const plain = await server();
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const c = client({ 'Acquire::http::Proxy': proxy.url });
    expect(await netFailure(c.boundedGet(`${plain.url}${KEYS}`))).toMatchObject({ code: 'NET_PROXY', transient: false });
    expect(await netFailure(c.boundedGet(`${secure.url}${KEYS}`))).toMatchObject({
      code: 'NET_PROXY',
      reason: `proxy 127.0.0.1:${proxy.port} answered 407`,
      transient: false,
    });
  });

  it('reports a proxy that refuses CONNECT to the port, as the Qubes proxy does for non-443', async () => {
    const proxy = await startTestProxy({ connectPorts: [443] });
    closers.push(() => proxy.close());
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    expect(await netFailure(client({ 'Acquire::http::Proxy': proxy.url }).boundedGet(`${s.url}${KEYS}`))).toMatchObject({
      code: 'NET_PROXY',
      reason: `proxy 127.0.0.1:${proxy.port} answered 403`,
      transient: false,
    });
    expect(s.requests).toHaveLength(0);
  });

  it('reports a proxy that is not running, for http and https', async () => {
    const proxy = await startTestProxy();
    await proxy.close();
    const plain = await server();
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const c = client({ 'Acquire::http::Proxy': proxy.url });
    for (const url of [`${plain.url}${KEYS}`, `${secure.url}${KEYS}`]) {
      expect(await netFailure(c.boundedGet(url))).toMatchObject({
        code: 'NET_PROXY',
        reason: `cannot reach proxy 127.0.0.1:${proxy.port}: connection refused`,
        transient: true,
      });
    }
  });

  it('refuses a proxy scheme it cannot speak', async () => {
    const s = await server();
    expect(await netFailure(client({ 'Acquire::http::Proxy': 'socks5h://127.0.0.1:9050' }).boundedGet(`${s.url}${KEYS}`))).toMatchObject({
      code: 'NET_PROXY',
      reason: 'unsupported proxy scheme socks5h: (only http:// and https:// proxies)',
      transient: false,
    });
    expect(s.requests).toHaveLength(0);
  });
});

describe('through tinyproxy set up like the Qubes updates proxy', () => {
  it('reaches an http and an https rebuilder only through the proxy', async () => {
    const plain = await server({ allowOnlyFrom: '127.0.0.2' });
    const secure = await server({ tls: { cert: cert.cert, key: cert.key }, allowOnlyFrom: '127.0.0.2' });
    const tinyproxy = await startTinyproxy(join(dir, 'tinyproxy-ok'), { connectPorts: [secure.port], bindOutgoing: '127.0.0.2' });
    closers.push(() => tinyproxy.close());

    // Without the proxy the servers drop the connection.
    const direct = createHttpClient({ config: aptConfig({}), env: {}, ca: ca.cert, limits: LIMITS });
    closers.push(() => direct.close());
    expect((await netFailure(direct.boundedGet(`${plain.url}${KEYS}`))).code).toBe('NET_RESET');

    const c = client({ 'Acquire::http::Proxy': tinyproxy.url });
    expect((await c.boundedGet(`${plain.url}${KEYS}`)).status).toBe(200);
    expect((await c.boundedGet(`${secure.url}${KEYS}`)).status).toBe(200);
    expect(plain.requests.map((r) => r.remoteAddress)).toEqual(['127.0.0.2']);
    expect(secure.requests.map((r) => r.remoteAddress)).toEqual(['127.0.0.2']);
    const log = await tinyproxy.readLog();
    expect(log).toContain(`CONNECT 127.0.0.1:${secure.port}`);
  });

  it('is refused CONNECT to a port outside ConnectPort', async () => {
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const tinyproxy = await startTinyproxy(join(dir, 'tinyproxy-443'), { connectPorts: [443] });
    closers.push(() => tinyproxy.close());
    expect(await netFailure(client({ 'Acquire::http::Proxy': tinyproxy.url }).boundedGet(`${secure.url}${KEYS}`))).toMatchObject({
      code: 'NET_PROXY',
      reason: `proxy 127.0.0.1:${tinyproxy.port} answered 403`,
      transient: false,
    });
    expect(secure.requests).toHaveLength(0);
  });
});
