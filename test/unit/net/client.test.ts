import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, type NetLimits } from '../../../src/net/client.js';
import type { AptConfigView } from '../../../src/net/proxy.js';
import { issueCert, makeCA, type CertificateAuthority, type ServerCertificate } from '../../support/aptlab/index.js';
import { netFailure } from '../../support/rebuilder-assert.js';
import { startRebuilderServer, type RebuilderServer } from '../../support/rebuilder-server.js';

const NO_CONFIG: AptConfigView = { get: () => undefined };
const LIMITS: Partial<NetLimits> = {
  connectTimeoutMs: 500,
  headersTimeoutMs: 500,
  bodyTimeoutMs: 500,
  deadlineMs: 1500,
  maxBytes: 64 * 1024,
  maxInFlight: 4,
  maxInFlightPerHost: 2,
};

let dir: string;
let ca: CertificateAuthority;
let cert: ServerCertificate;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reprogate-net-'));
  ca = await makeCA(join(dir, 'ca'));
  cert = await issueCert(ca, { ips: ['127.0.0.1'] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server(options: Parameters<typeof startRebuilderServer>[0] = {}): Promise<RebuilderServer> {
  const s = await startRebuilderServer(options);
  closers.push(() => s.close());
  return s;
}

function client(extra: { limits?: Partial<NetLimits>; ca?: string } = {}): HttpClient {
  const c = createHttpClient({
    config: NO_CONFIG,
    env: {},
    limits: { ...LIMITS, ...extra.limits },
    ...(extra.ca === undefined ? {} : { ca: extra.ca }),
  });
  closers.push(() => c.close());
  return c;
}

describe('boundedGet: answers', () => {
  it('returns the status, the bytes and the URL that answered', async () => {
    const s = await server();
    s.addSourcesMetadata('hello', '1:2.0-1', '{"signed":{}}');
    const response = await client().boundedGet(`${s.url}sources/hello/1%3A2.0-1/metadata`);
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.bytes)).toBe('{"signed":{}}');
    expect(response.url).toBe(`${s.url}sources/hello/1%3A2.0-1/metadata`);
  });

  it('sends cache-friendly requests: origin-form, identity encoding, no cache-busting', async () => {
    const s = await server();
    await client().boundedGet(`${s.url}api/v1/meta/public-keys`, { accept: 'application/json' });
    const [request] = s.requests;
    expect(request?.target).toBe('/api/v1/meta/public-keys');
    expect(request?.headers['accept-encoding']).toBe('identity');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('reprogate');
    expect(request?.headers['cache-control']).toBeUndefined();
    expect(request?.headers['pragma']).toBeUndefined();
  });

  it('reuses keep-alive connections for requests in sequence', async () => {
    const s = await server();
    const c = client();
    for (let i = 0; i < 6; i++) await c.boundedGet(`${s.url}api/v1/meta/public-keys`);
    // undici's pool may open a second connection while the first finishes its last
    // response; what matters is that connections are reused rather than one per request.
    expect(new Set(s.requests.map((r) => r.connection)).size).toBeLessThanOrEqual(2);
  });

  it('reports a 404 as a lasting HTTP status failure, and a 503 as a transient one', async () => {
    const s = await server();
    const c = client();
    expect(await netFailure(c.boundedGet(`${s.url}missing`))).toMatchObject({
      code: 'NET_HTTP_STATUS',
      status: 404,
      reason: 'HTTP 404',
      transient: false,
    });
    s.fault('busy', { kind: 'status', status: 503 });
    expect(await netFailure(c.boundedGet(`${s.url}busy`))).toMatchObject({ code: 'NET_HTTP_STATUS', status: 503, transient: true });
  });

  it('refuses a URL it must not fetch before any connection is made', async () => {
    expect(await netFailure(client().boundedGet('file:///etc/passwd'))).toMatchObject({ code: 'NET_BAD_URL' });
  });
});

describe('boundedGet: size', () => {
  it('refuses a declared 1 GiB body at once, without reading it', async () => {
    const s = await server();
    s.fault('huge', { kind: 'huge', bytes: 1024 ** 3 });
    const started = performance.now();
    expect(await netFailure(client().boundedGet(`${s.url}huge`))).toMatchObject({
      code: 'NET_TOO_LARGE',
      reason: 'response larger than 64 KiB',
      transient: false,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops an endless body with no length once it passes the cap', async () => {
    const s = await server();
    s.fault('endless', { kind: 'endless' });
    expect(await netFailure(client().boundedGet(`${s.url}endless`))).toMatchObject({ code: 'NET_TOO_LARGE' });
  });

  it('applies a per-request cap', async () => {
    const s = await server();
    s.fault('doc', { kind: 'body', bytes: 'x'.repeat(2000) });
    const c = client();
    expect((await c.boundedGet(`${s.url}doc`)).bytes.length).toBe(2000);
    expect(await netFailure(c.boundedGet(`${s.url}doc`, { maxBytes: 1024 }))).toMatchObject({
      code: 'NET_TOO_LARGE',
      reason: 'response larger than 1 KiB',
    });
  });

  it('refuses a gzip bomb without inflating it', async () => {
    const s = await server();
    s.fault('bomb', { kind: 'gzip-bomb', decodedBytes: 32 * 1024 * 1024 });
    expect(await netFailure(client().boundedGet(`${s.url}bomb`))).toMatchObject({
      code: 'NET_BAD_RESPONSE',
      reason: 'body sent with Content-Encoding gzip although identity was asked for',
      transient: false,
    });
  });

  it('accepts an explicit identity encoding', async () => {
    const s = await server();
    s.fault('plain', { kind: 'body', bytes: '{}', headers: { 'content-encoding': 'identity' } });
    expect((await client().boundedGet(`${s.url}plain`)).bytes.length).toBe(2);
  });
});

describe('boundedGet: time', () => {
  it('gives up on a server that sends no headers', async () => {
    const s = await server();
    s.fault('slow', { kind: 'delay', ms: 1200 });
    expect(await netFailure(client().boundedGet(`${s.url}slow`))).toMatchObject({
      code: 'NET_TIMEOUT',
      reason: 'timeout after 0.5 s waiting for response headers',
      transient: true,
    });
  });

  it('stops a slowloris trickle at the total deadline even though bytes keep coming', async () => {
    const s = await server();
    s.fault('trickle', { kind: 'trickle', intervalMs: 100 });
    const started = performance.now();
    expect(await netFailure(client().boundedGet(`${s.url}trickle`))).toMatchObject({
      code: 'NET_TIMEOUT',
      reason: 'no complete response within 1.5 s',
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops when the body goes silent', async () => {
    const s = await server();
    s.fault('stall', { kind: 'trickle', intervalMs: 5000 });
    expect(await netFailure(client().boundedGet(`${s.url}stall`))).toMatchObject({
      code: 'NET_TIMEOUT',
      reason: 'timeout after 0.5 s without body data',
    });
  });

  it('stops when the caller aborts, and says so', async () => {
    const s = await server();
    s.fault('slow', { kind: 'delay', ms: 1000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await netFailure(client().boundedGet(`${s.url}slow`, { signal: controller.signal }))).toMatchObject({
      code: 'NET_ABORTED',
    });
    expect(await netFailure(client().boundedGet(`${s.url}slow`, { signal: AbortSignal.abort() }))).toMatchObject({
      code: 'NET_ABORTED',
    });
  });
});

describe('boundedGet: broken servers', () => {
  it('reports a reset in the middle of the body', async () => {
    const s = await server();
    s.fault('reset', { kind: 'reset-mid-body' });
    expect(await netFailure(client().boundedGet(`${s.url}reset`))).toMatchObject({
      code: 'NET_RESET',
      reason: 'connection closed before the body was complete',
      transient: true,
    });
  });

  it('reports a body shorter than its Content-Length', async () => {
    const s = await server();
    s.fault('short', { kind: 'truncate' });
    expect(await netFailure(client().boundedGet(`${s.url}short`))).toMatchObject({ code: 'NET_RESET' });
  });

  it('reports an answer that is not HTTP', async () => {
    const s = await server();
    s.fault('garbage', { kind: 'garbage' });
    expect(await netFailure(client().boundedGet(`${s.url}garbage`))).toMatchObject({ code: 'NET_BAD_RESPONSE', transient: false });
  });

  it('reports a refused connection', async () => {
    const s = await server();
    const url = `${s.url}x`;
    await s.close();
    expect(await netFailure(client().boundedGet(url))).toMatchObject({
      code: 'NET_CONNECT',
      reason: 'connection refused',
      transient: true,
    });
  });
});

describe('boundedGet: redirects', () => {
  it('follows a redirect to another host and reports the final URL', async () => {
    const a = await server();
    const b = await server();
    b.addSourcesMetadata('p', '1', 'moved');
    a.fault('old', { kind: 'redirect', to: `${b.url}sources/p/1/metadata`, status: 301 });
    const response = await client().boundedGet(`${a.url}old`);
    expect(new TextDecoder().decode(response.bytes)).toBe('moved');
    expect(response.url).toBe(`${b.url}sources/p/1/metadata`);
  });

  it('refuses a loop', async () => {
    const s = await server();
    s.fault('loop', { kind: 'redirect', to: '/loop' });
    expect(await netFailure(client().boundedGet(`${s.url}loop`))).toMatchObject({ code: 'NET_REDIRECT', reason: 'redirect loop' });
  });

  it('refuses a fourth redirect', async () => {
    const s = await server();
    for (const [from, to] of [['r1', '/r2'], ['r2', '/r3'], ['r3', '/r4'], ['r4', '/r5']] as const) {
      s.fault(from, { kind: 'redirect', to });
    }
    expect(await netFailure(client().boundedGet(`${s.url}r1`))).toMatchObject({
      code: 'NET_REDIRECT',
      reason: 'more than 3 redirects',
    });
    expect(s.requests.map((r) => r.target)).toEqual(['/r1', '/r2', '/r3', '/r4']);
  });

  it('refuses to follow https down to http', async () => {
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const plain = await server();
    secure.fault('down', { kind: 'redirect', to: `${plain.url}x` });
    expect(await netFailure(client({ ca: ca.cert }).boundedGet(`${secure.url}down`))).toMatchObject({ code: 'NET_REDIRECT' });
    expect(plain.requests).toHaveLength(0);
  });
});

describe('boundedGet: TLS', () => {
  it('fetches over https with an injected CA', async () => {
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    const response = await client({ ca: ca.cert }).boundedGet(`${s.url}api/v1/meta/public-keys`);
    expect(response.status).toBe(200);
  });

  it('refuses a server certificate it cannot verify', async () => {
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    expect(await netFailure(client().boundedGet(`${s.url}api/v1/meta/public-keys`))).toMatchObject({
      code: 'NET_TLS',
      transient: false,
    });
  });

  it('refuses https to a plain-http server', async () => {
    const s = await server();
    expect(await netFailure(client({ ca: ca.cert }).boundedGet(`${s.url.replace('http:', 'https:')}x`))).toMatchObject({
      code: 'NET_TLS',
    });
  });
});

describe('boundedGet: concurrency', () => {
  it('keeps at most maxInFlightPerHost requests on one host', async () => {
    const s = await server();
    s.fault(/^slow\//, { kind: 'delay', ms: 100 });
    const c = client();
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.boundedGet(`${s.url}slow/${i}`).catch(() => undefined)));
    expect(s.requests).toHaveLength(6);
    expect(s.peakInFlight).toBe(2);
  });

  it('keeps at most maxInFlight requests overall', async () => {
    const hosts = await Promise.all([server(), server(), server()]);
    for (const h of hosts) h.fault(/^slow\//, { kind: 'delay', ms: 100 });
    const c = client({ limits: { maxInFlight: 3, maxInFlightPerHost: 3 } });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, hosts.reduce((sum, h) => sum + h.inFlight, 0));
    }, 5);
    await Promise.all(hosts.flatMap((h) => Array.from({ length: 3 }, (_, i) => c.boundedGet(`${h.url}slow/${i}`).catch(() => undefined))));
    clearInterval(sampler);
    expect(hosts.reduce((n, h) => n + h.requests.length, 0)).toBe(9);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(3);
  });
});

describe('close', () => {
  it('refuses new requests after close', async () => {
    const s = await server();
    const c = createHttpClient({ config: NO_CONFIG, env: {}, limits: LIMITS });
    await c.boundedGet(`${s.url}api/v1/meta/public-keys`);
    await c.close();
    expect(await netFailure(c.boundedGet(`${s.url}api/v1/meta/public-keys`))).toMatchObject({ code: 'NET_ABORTED' });
  });
});
