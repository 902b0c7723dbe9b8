import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, type HttpGetter, type NetLimits } from '../../../src/net/client.js';
import { createAdapter, fetchPublicKeys, type AdapterLimits, type LookupResult, type PackageQuery } from '../../../src/rebuilders/index.js';
import { rejectionOf } from '../../support/rebuilder-assert.js';
import { startRebuilderServer, type RebuilderServer, type RebuilderServerOptions } from '../../support/rebuilder-server.js';

const SHA = 'a'.repeat(64);
const HELLO: PackageQuery = {
  name: 'hello',
  version: '1:2.0-1',
  architecture: 'amd64',
  source: { name: 'hello-src', version: '1:2.0-1' },
  sha256: SHA,
};
const NET: Partial<NetLimits> = { connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, deadlineMs: 1500, maxInFlightPerHost: 8 };
const KEY = '-----BEGIN PUBLIC KEY-----\r\nMCwwBwYDK2VwBQADIQATuimKMfCOSfiKc2AT/T1NKQhn9y39Kz5Suo0w5UUXGA==\r\n-----END PUBLIC KEY-----\r\n';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server(options: RebuilderServerOptions = {}): Promise<RebuilderServer> {
  const s = await startRebuilderServer(options);
  closers.push(() => s.close());
  return s;
}

function http(limits: Partial<NetLimits> = {}): HttpClient {
  const c = createHttpClient({ config: { get: () => undefined }, env: {}, limits: { ...NET, ...limits } });
  closers.push(() => c.close());
  return c;
}

function lookup(url: string, query: PackageQuery = HELLO, limits: Partial<AdapterLimits> = {}, getter: HttpGetter = http()): Promise<LookupResult> {
  return createAdapter({ name: 'debian', type: 'rebuilderd', url }, { http: getter, limits }).lookup(query);
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('rebuilderd v1', () => {
  it('fetches the attestation of every artifact of a GOOD build', async () => {
    const s = await server();
    const { buildId, artifactIds } = s.addPackage({ ...HELLO, attestations: ['link-1', 'link-2'] });
    const result = await lookup(s.url);
    expect(result.status).toBe('found');
    if (result.status !== 'found') return;
    expect(result.documents.map((d) => text(d.bytes))).toEqual(['link-1', 'link-2']);
    expect(result.documents[0]?.url).toBe(`${s.url}api/v1/builds/${buildId}/artifacts/${artifactIds[0]}/attestation`);
  });

  it('matches the version exactly, epoch included, whatever the server returns', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, version: '2.0-1', attestations: ['without-epoch'] });
    s.addPackage({ ...HELLO, attestations: ['with-epoch'] });
    s.addPackage({ ...HELLO, architecture: 'arm64', attestations: ['other-arch'] });
    const result = await lookup(s.url);
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['with-epoch']);
    const search = s.requestsTo('api/v1/packages/binary')[0];
    expect(search?.target).toBe('/api/v1/packages/binary?name=hello&version=1%3A2.0-1&architecture=amd64');
    expect(search?.headers['accept']).toBe('application/json');
  });

  it('finds nothing when the only record has another version', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, version: '2.0-1', attestations: ['without-epoch'] });
    expect(await lookup(s.url)).toEqual({
      status: 'missing',
      code: 'REBUILDER_NOT_FOUND',
      reason: 'no GOOD build of hello 1:2.0-1 amd64',
      transient: false,
    });
  });

  it('skips builds that are not GOOD', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, status: 'BAD', attestations: ['bad-build'] });
    expect(await lookup(s.url)).toMatchObject({ status: 'missing', code: 'REBUILDER_NOT_FOUND' });
    expect(s.requestsTo(/attestation$/)).toHaveLength(0);
  });

  it('lives under a base path, with or without the trailing slash in the policy', async () => {
    const s = await server({ basePath: '/amd64/' });
    s.addPackage({ ...HELLO, attestations: ['link'] });
    expect((await lookup(s.url)).status).toBe('found');
    expect((await lookup(s.url.replace(/\/$/, ''))).status).toBe('found');
    expect(s.requests.every((r) => r.target.startsWith('/amd64/'))).toBe(true);
  });

  it('follows at most maxRecords builds, newest first', async () => {
    const s = await server();
    for (let i = 0; i < 10; i++) s.addPackage({ ...HELLO, attestations: [`build-${i}`] });
    const result = await lookup(s.url, HELLO, { maxRecords: 3 });
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['build-9', 'build-8', 'build-7']);
    expect(s.requestsTo(/attestation$/)).toHaveLength(3);
  });

  it('runs the attestation requests of one lookup with bounded parallelism', async () => {
    const s = await server();
    for (let i = 0; i < 6; i++) s.addPackage({ ...HELLO, attestations: [`build-${i}`] });
    s.fault(/attestation$/, { kind: 'delay', ms: 80 });
    const result = await lookup(s.url, HELLO, { parallel: 2 });
    expect(result.status === 'found' && result.documents).toHaveLength(6);
    expect(s.peakInFlight).toBe(2);
  });

  it('keeps the attestations it got when others are gone', async () => {
    const s = await server();
    const old = s.addPackage({ ...HELLO, attestations: ['old'] });
    s.addPackage({ ...HELLO, attestations: ['new'] });
    s.fault(`api/v1/builds/${old.buildId}/artifacts/${old.artifactIds[0]}/attestation`, { kind: 'status', status: 404 });
    const result = await lookup(s.url);
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['new']);
  });

  it('reports a GOOD build without an attestation as not found', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, attestations: ['link'] });
    s.fault(/attestation$/, { kind: 'status', status: 404 });
    expect(await lookup(s.url)).toMatchObject({
      status: 'missing',
      code: 'REBUILDER_NOT_FOUND',
      reason: 'GOOD build has no attestation (HTTP 404)',
    });
  });

  it('reports a failing attestation route as transient', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, attestations: ['link'] });
    s.fault(/attestation$/, { kind: 'status', status: 500 });
    expect(await lookup(s.url)).toEqual({ status: 'missing', code: 'NET_HTTP_STATUS', reason: 'HTTP 500', transient: true });
  });

  it.each([
    [{ kind: 'status', status: 503 } as const, 'NET_HTTP_STATUS', true],
    [{ kind: 'delay', ms: 1000 } as const, 'NET_TIMEOUT', true],
    [{ kind: 'huge', bytes: 50 * 1024 * 1024 } as const, 'NET_TOO_LARGE', false],
    [{ kind: 'reset-mid-body' } as const, 'NET_RESET', true],
    [{ kind: 'garbage' } as const, 'NET_BAD_RESPONSE', false],
    [{ kind: 'body', bytes: '<html>maintenance</html>' } as const, 'REBUILDER_BAD_RESPONSE', false],
    [{ kind: 'body', bytes: '{"records":"nope"}' } as const, 'REBUILDER_BAD_RESPONSE', false],
    [{ kind: 'body', bytes: '{"records":[42]}' } as const, 'REBUILDER_BAD_RESPONSE', false],
    [{ kind: 'redirect', to: '/api/v1/packages/binary' } as const, 'NET_REDIRECT', false],
  ])('turns a search answered with %j into missing %s', async (fault, code, transient) => {
    const s = await server();
    s.addPackage({ ...HELLO, attestations: ['link'] });
    s.fault('api/v1/packages/binary', fault);
    expect(await lookup(s.url)).toMatchObject({ status: 'missing', code, transient });
  });

  it('refuses an oversized attestation', async () => {
    const s = await server();
    s.addPackage({ ...HELLO, attestations: ['x'.repeat(5000)] });
    expect(await lookup(s.url, HELLO, { maxDocumentBytes: 4096 })).toMatchObject({ status: 'missing', code: 'NET_TOO_LARGE' });
  });

  it('follows redirects to another host and reports where the attestation came from', async () => {
    const old = await server();
    const moved = await server();
    const { buildId, artifactIds } = moved.addPackage({ ...HELLO, attestations: ['moved-link'] });
    const search = 'api/v1/packages/binary?name=hello&version=1%3A2.0-1&architecture=amd64';
    const attestation = `api/v1/builds/${buildId}/artifacts/${artifactIds[0]}/attestation`;
    old.fault('api/v1/packages/binary', { kind: 'redirect', to: `${moved.url}${search}`, status: 301 });
    old.fault(attestation, { kind: 'redirect', to: `${moved.url}${attestation}`, status: 301 });
    const result = await lookup(old.url);
    expect(result.status === 'found' && result.documents.map((d) => [text(d.bytes), d.url])).toEqual([
      ['moved-link', `${moved.url}${attestation}`],
    ]);
  });
});

describe('rebuilderd v0 fallback', () => {
  it('falls back to v0 when the v1 search is 404, and gets the first artifact', async () => {
    const s = await server({ api: { v1: false, v0: true } });
    const { buildId } = s.addPackage({ ...HELLO, attestations: ['first', 'second'] });
    s.addPackage({ ...HELLO, version: '2.0-1', attestations: ['no-epoch'] });
    const result = await lookup(s.url);
    expect(result.status === 'found' && result.documents.map((d) => [text(d.bytes), d.url])).toEqual([
      ['first', `${s.url}api/v0/builds/${buildId}/attestation`],
    ]);
    expect(s.requestsTo('api/v0/pkgs/list')[0]?.target).toBe('/api/v0/pkgs/list?name=hello&architecture=amd64');
  });

  it('reports an instance with neither API as not found', async () => {
    const s = await server({ api: { v1: false, v0: false } });
    expect(await lookup(s.url)).toEqual({
      status: 'missing',
      code: 'REBUILDER_NOT_FOUND',
      reason: 'HTTP 404 from both the v1 and the v0 API',
      transient: false,
    });
  });

  it('does not fall back when v1 fails for another reason', async () => {
    const s = await server({ api: { v1: true, v0: true } });
    s.addPackage({ ...HELLO, attestations: ['link'] });
    s.fault('api/v1/packages/binary', { kind: 'status', status: 500 });
    expect(await lookup(s.url)).toMatchObject({ code: 'NET_HTTP_STATUS', transient: true });
    expect(s.requestsTo('api/v0/pkgs/list')).toHaveLength(0);
  });

  it('refuses a v0 answer that is not a list', async () => {
    const s = await server({ api: { v1: false, v0: true } });
    s.fault('api/v0/pkgs/list', { kind: 'body', bytes: '{"name":"hello"}' });
    expect(await lookup(s.url)).toMatchObject({ code: 'REBUILDER_BAD_RESPONSE' });
  });
});

describe('rebuilderd lookups never reject', () => {
  it.each([
    ['a name with a slash', { ...HELLO, name: 'hello/../../etc' }],
    ['a version that is ..', { ...HELLO, version: '..' }],
    ['a NUL in the architecture', { ...HELLO, architecture: 'amd\0' }],
    ['a bad source version', { ...HELLO, source: { name: 'hello', version: '1/2' } }],
  ])('refuses %s before any request', async (_what, query) => {
    const s = await server();
    expect(await lookup(s.url, query)).toMatchObject({ status: 'missing', code: 'REBUILDER_BAD_QUERY', transient: false });
    expect(s.requests).toHaveLength(0);
  });

  it('answers offline when there is no network', async () => {
    const adapter = createAdapter({ name: 'debian', type: 'rebuilderd', url: 'https://rebuilder.invalid/' });
    expect(await adapter.lookup(HELLO)).toEqual({
      status: 'missing',
      code: 'REBUILDER_OFFLINE',
      reason: 'network disabled (offline)',
      transient: false,
    });
  });

  it('answers aborted when the caller aborts', async () => {
    const s = await server();
    s.fault('api/v1/packages/binary', { kind: 'delay', ms: 1000 });
    const adapter = createAdapter({ name: 'debian', type: 'rebuilderd', url: s.url }, { http: http() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(await adapter.lookup(HELLO, controller.signal)).toMatchObject({ status: 'missing', code: 'NET_ABORTED' });
  });

  it('turns an unexpected failure into REBUILDER_INTERNAL', async () => {
    const broken: HttpGetter = {
      boundedGet: () => Promise.reject(new TypeError('boom\nsecond line')),
    };
    expect(await lookup('https://rebuilder.invalid/', HELLO, {}, broken)).toEqual({
      status: 'missing',
      code: 'REBUILDER_INTERNAL',
      reason: 'internal error: boom second line',
      transient: false,
    });
  });
});

describe('fetchPublicKeys', () => {
  it('returns the current keys from v1', async () => {
    const s = await server({ publicKeys: [KEY] });
    expect(await fetchPublicKeys(s.url, { http: http() })).toEqual([KEY]);
  });

  it('falls back to v0 on an old instance', async () => {
    const s = await server({ publicKeys: [KEY], api: { v1: false, v0: true } });
    expect(await fetchPublicKeys(s.url, { http: http() })).toEqual([KEY]);
    expect(s.requests.map((r) => r.target)).toEqual(['/api/v1/meta/public-keys', '/api/v0/public-keys']);
  });

  it('accepts a single key given as a string, as the OpenAPI file describes', async () => {
    const s = await server();
    s.fault('api/v1/meta/public-keys', { kind: 'body', bytes: JSON.stringify({ current: KEY }) });
    expect(await fetchPublicKeys(s.url, { http: http() })).toEqual([KEY]);
  });

  it.each([
    [JSON.stringify({ current: [] }), 'REBUILDER_NO_KEYS'],
    [JSON.stringify({ current: ['not a key'] }), 'REBUILDER_BAD_RESPONSE'],
    [JSON.stringify({ current: [42] }), 'REBUILDER_BAD_RESPONSE'],
    [JSON.stringify({ keys: [KEY] }), 'REBUILDER_BAD_RESPONSE'],
    [JSON.stringify({ current: Array.from({ length: 17 }, () => KEY) }), 'REBUILDER_BAD_RESPONSE'],
    ['garbage', 'REBUILDER_BAD_RESPONSE'],
  ])('refuses %s with %s', async (body, code) => {
    const s = await server();
    s.fault('api/v1/meta/public-keys', { kind: 'body', bytes: body });
    expect(await rejectionOf(fetchPublicKeys(s.url, { http: http() }))).toMatchObject({ code });
  });

  it('reports an instance that publishes no keys', async () => {
    const s = await server({ api: { v1: false, v0: false } });
    expect(await rejectionOf(fetchPublicKeys(s.url, { http: http() }))).toMatchObject({ code: 'REBUILDER_NOT_FOUND' });
  });

  it('passes transport failures on as NetError', async () => {
    const s = await server();
    s.fault('api/v1/meta/public-keys', { kind: 'status', status: 502 });
    expect(await rejectionOf(fetchPublicKeys(s.url, { http: http() }))).toMatchObject({ code: 'NET_HTTP_STATUS', status: 502 });
  });
});
