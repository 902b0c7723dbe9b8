import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, type NetLimits } from '../../../src/net/client.js';
import { createAdapter, type LookupResult, type PackageQuery } from '../../../src/rebuilders/index.js';
import { issueCert, makeCA, type CertificateAuthority, type ServerCertificate } from '../../support/aptlab/index.js';
import { startRebuilderServer, type RebuilderServer, type RebuilderServerOptions } from '../../support/rebuilder-server.js';

/** A binNMU whose source has another name: the binary and source lookups differ. */
const BINNMU: PackageQuery = {
  name: 'libfoo1',
  version: '1:2.0-1+b1',
  architecture: 'amd64',
  source: { name: 'foo', version: '1:2.0-1' },
  sha256: 'b'.repeat(64),
};
const NET: Partial<NetLimits> = { connectTimeoutMs: 300, headersTimeoutMs: 300, bodyTimeoutMs: 300, deadlineMs: 800 };

let dir: string;
let ca: CertificateAuthority;
let cert: ServerCertificate;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reprogate-sources-'));
  ca = await makeCA(join(dir, 'ca'));
  cert = await issueCert(ca, { ips: ['127.0.0.1'] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server(options: RebuilderServerOptions = {}): Promise<RebuilderServer> {
  const s = await startRebuilderServer(options);
  closers.push(() => s.close());
  return s;
}

function http(): HttpClient {
  const c = createHttpClient({ config: { get: () => undefined }, env: {}, ca: ca.cert, limits: NET });
  closers.push(() => c.close());
  return c;
}

function lookup(url: string, query: PackageQuery = BINNMU): Promise<LookupResult> {
  return createAdapter({ name: 'notset', type: 'sources', url }, { http: http(), limits: { maxDocumentBytes: 8192 } }).lookup(query);
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const BINARY_PATH = 'sources/libfoo1/1%3A2.0-1%2Bb1/metadata';
const SOURCE_PATH = 'sources/foo/1%3A2.0-1/metadata';

describe('sources tree', () => {
  it('asks by binary name and version first, each a percent-encoded segment', async () => {
    const s = await server();
    s.addSourcesMetadata('libfoo1', '1:2.0-1+b1', 'binary-link');
    s.addSourcesMetadata('foo', '1:2.0-1', 'source-link');
    expect(await lookup(s.url)).toEqual({ status: 'found', documents: [{ url: `${s.url}${BINARY_PATH}`, bytes: expect.anything() }] });
    expect(s.requests.map((r) => r.target)).toEqual([`/${BINARY_PATH}`]);
  });

  it('falls back to source name and version after a 404', async () => {
    const s = await server({ basePath: '/qubes/rebuild/deb/r4.1/vm/' });
    s.addSourcesMetadata('foo', '1:2.0-1', 'source-link');
    const result = await lookup(s.url);
    expect(result.status === 'found' && result.documents.map((d) => [text(d.bytes), d.url])).toEqual([
      ['source-link', `${s.url}${SOURCE_PATH}`],
    ]);
    expect(s.requests.map((r) => r.target)).toEqual([`/qubes/rebuild/deb/r4.1/vm/${BINARY_PATH}`, `/qubes/rebuild/deb/r4.1/vm/${SOURCE_PATH}`]);
  });

  it('asks once when binary and source are the same', async () => {
    const s = await server();
    const same = { ...BINNMU, name: 'foo', version: '1:2.0-1' };
    expect(await lookup(s.url, same)).toEqual({ status: 'missing', code: 'REBUILDER_NOT_FOUND', reason: 'HTTP 404', transient: false });
    expect(s.requests).toHaveLength(1);
  });

  it('still tries the source when the binary lookup fails, and reports that failure if the source is absent', async () => {
    const s = await server();
    s.fault(BINARY_PATH, { kind: 'status', status: 500 });
    expect(await lookup(s.url)).toEqual({ status: 'missing', code: 'NET_HTTP_STATUS', reason: 'HTTP 500', transient: true });
    s.addSourcesMetadata('foo', '1:2.0-1', 'source-link');
    expect((await lookup(s.url)).status).toBe('found');
  });

  it.each([
    [{ kind: 'delay', ms: 1000 } as const, 'NET_TIMEOUT', true],
    [{ kind: 'huge', bytes: 1024 * 1024 } as const, 'NET_TOO_LARGE', false],
    [{ kind: 'endless' } as const, 'NET_TOO_LARGE', false],
    [{ kind: 'trickle', intervalMs: 100 } as const, 'NET_TIMEOUT', true],
    [{ kind: 'reset-mid-body' } as const, 'NET_RESET', true],
    [{ kind: 'truncate' } as const, 'NET_RESET', true],
    [{ kind: 'garbage' } as const, 'NET_BAD_RESPONSE', false],
    [{ kind: 'gzip-bomb', decodedBytes: 8 * 1024 * 1024 } as const, 'NET_BAD_RESPONSE', false],
    [{ kind: 'redirect', to: 'metadata' } as const, 'NET_REDIRECT', false],
  ])('turns a rebuilder answering %j into missing %s', async (fault, code, transient) => {
    const s = await server();
    s.fault(/metadata$/, fault);
    expect(await lookup(s.url)).toMatchObject({ status: 'missing', code, transient });
  });

  it('passes garbage bodies through as documents: deciding what they are is not its job', async () => {
    const s = await server();
    s.fault(BINARY_PATH, { kind: 'body', bytes: '\u0000\u00ffnot json' });
    const result = await lookup(s.url);
    expect(result.status === 'found' && text(result.documents[0]!.bytes)).toBe('\u0000\u00ffnot json');
  });

  it('refuses to follow an https rebuilder down to http', async () => {
    const secure = await server({ tls: { cert: cert.cert, key: cert.key } });
    const plain = await server();
    plain.addSourcesMetadata('libfoo1', '1:2.0-1+b1', 'downgraded');
    secure.fault(/metadata$/, { kind: 'redirect', to: `${plain.url}${BINARY_PATH}` });
    expect(await lookup(secure.url)).toMatchObject({ status: 'missing', code: 'NET_REDIRECT' });
    expect(plain.requests).toHaveLength(0);
  });

  it.each([
    ['..', '1.0-1'],
    ['foo', '..'],
    ['foo/bar', '1.0'],
    ['foo', '1.0/../../x'],
    ['foo', '1.0\u0000'],
    ['foo', '%2e%2e'],
  ])('refuses source %j %j without a request', async (name, version) => {
    const s = await server();
    expect(await lookup(s.url, { ...BINNMU, source: { name, version } })).toMatchObject({ code: 'REBUILDER_BAD_QUERY' });
    expect(s.requests).toHaveLength(0);
  });
});
