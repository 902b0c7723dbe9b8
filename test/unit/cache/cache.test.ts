import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCache, type AttestationCache, type CacheOptions } from '../../../src/cache/index.js';
import type { LookupResult } from '../../../src/rebuilders/index.js';
import { rejectionOf } from '../../support/rebuilder-assert.js';

const SHA = 'ab'.padEnd(64, '0');
const NOW = new Date('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

const FOUND: LookupResult = {
  status: 'found',
  documents: [
    { url: 'https://r.example/api/v1/builds/1/artifacts/2/attestation', bytes: bytes('{"signed":"first"}') },
    { url: 'https://r.example/api/v1/builds/1/artifacts/3/attestation', bytes: bytes('{"signed":"second"}') },
  ],
};
const MISSING: LookupResult = { status: 'missing', code: 'NET_HTTP_STATUS', reason: 'HTTP 404', transient: false };

let dir: string;
let cache: AttestationCache;
const entry = (...parts: string[]): string => join(dir, 'v1', 'ab', SHA, 'debian', ...parts);

function open(extra: Partial<CacheOptions> = {}): AttestationCache {
  return openCache({ dir, negativeTtlMs: 10 * MINUTE, maxDocuments: 4, maxDocumentBytes: 1024, ...extra });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reprogate-cache-'));
  cache = open();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('found entries', () => {
  it('come back byte for byte, with their URLs, origin and fetch time', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW, origin: 'qubes-repo.example' });
    const got = await cache.get(SHA, 'debian', new Date(NOW.getTime() + 365 * 24 * 60 * MINUTE));
    expect(got.kind).toBe('found');
    if (got.kind !== 'found') return;
    expect(got.documents.map((d) => [d.url, text(d.bytes)])).toEqual([
      [FOUND.status === 'found' && FOUND.documents[0]?.url, '{"signed":"first"}'],
      [FOUND.status === 'found' && FOUND.documents[1]?.url, '{"signed":"second"}'],
    ]);
    expect(got.origin).toBe('qubes-repo.example');
    expect(got.fetchedAt).toEqual(NOW);
  });

  it('are kept per rebuilder, in the documented layout, readable by all whatever the umask', async () => {
    const previous = process.umask(0o077);
    try {
      await cache.put(SHA, 'debian', FOUND, { now: NOW });
      await cache.put(SHA, 'notset', MISSING, { now: NOW });
    } finally {
      process.umask(previous);
    }
    expect((await readdir(entry())).sort()).toEqual(['0.json', '1.json', 'meta.json']);
    expect(await readFile(entry('0.json'), 'utf8')).toBe('{"signed":"first"}');
    expect((await readdir(join(dir, 'v1', 'ab', SHA))).sort()).toEqual(['debian', 'notset']);
    for (const folder of [join(dir, 'v1'), join(dir, 'v1', 'ab'), join(dir, 'v1', 'ab', SHA), entry()]) {
      expect((await stat(folder)).mode & 0o777).toBe(0o755);
    }
    for (const file of ['0.json', 'meta.json']) expect((await stat(entry(file))).mode & 0o777).toBe(0o644);
    expect((await cache.get(SHA, 'notset', NOW)).kind).toBe('missing');
  });

  it('are replaced whole, leaving no temporary folders', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    await cache.put(SHA, 'debian', { status: 'found', documents: [{ url: 'https://r.example/x', bytes: bytes('only') }] }, { now: NOW });
    expect((await readdir(entry())).sort()).toEqual(['0.json', 'meta.json']);
    expect(await readdir(join(dir, 'v1', 'ab', SHA))).toEqual(['debian']);
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind === 'found' && got.documents.map((d) => text(d.bytes))).toEqual(['only']);
  });

  it('survive concurrent writers: whoever wins, the entry is whole', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        cache.put(SHA, 'debian', { status: 'found', documents: [{ url: `https://r.example/${i}`, bytes: bytes(`doc-${i}`) }] }, { now: NOW }),
      ),
    );
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CACHE_WRITE' });
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind).toBe('found');
    expect(await readdir(join(dir, 'v1', 'ab', SHA))).toEqual(['debian']);
  });

  it.skipIf(process.getuid?.() !== 0)('can be handed to the cache owner when written by root', async () => {
    const owned = open({ owner: { uid: 65534, gid: 65534 } });
    await owned.put(SHA, 'debian', FOUND, { now: NOW });
    for (const path of [join(dir, 'v1'), join(dir, 'v1', 'ab'), entry(), entry('0.json'), entry('meta.json')]) {
      expect((await stat(path)).uid).toBe(65534);
    }
  });
});

describe('negative entries', () => {
  it('hold for the TTL and no longer', async () => {
    await cache.put(SHA, 'debian', MISSING, { now: NOW, origin: 'repo.example' });
    expect(await cache.get(SHA, 'debian', new Date(NOW.getTime() + 9 * MINUTE))).toEqual({
      kind: 'missing',
      code: 'NET_HTTP_STATUS',
      reason: 'HTTP 404',
      transient: false,
      origin: 'repo.example',
      fetchedAt: NOW,
    });
    expect(await cache.get(SHA, 'debian', new Date(NOW.getTime() + 10 * MINUTE))).toEqual({ kind: 'miss', why: 'negative entry expired' });
  });

  it('do not hold when the clock is behind the entry', async () => {
    await cache.put(SHA, 'debian', MISSING, { now: NOW });
    expect((await cache.get(SHA, 'debian', new Date(NOW.getTime() - 1000))).kind).toBe('miss');
  });

  it('take the TTL as a parameter', async () => {
    await cache.put(SHA, 'debian', MISSING, { now: NOW });
    expect((await open({ negativeTtlMs: 0 }).get(SHA, 'debian', NOW)).kind).toBe('miss');
  });

  it('store one clean line whatever the reason held', async () => {
    await cache.put(SHA, 'debian', { status: 'missing', code: 'weird code', reason: 'line one\nline two\u0007', transient: true }, { now: NOW });
    expect(await cache.get(SHA, 'debian', NOW)).toMatchObject({ kind: 'missing', code: 'REBUILDER_INTERNAL', reason: 'line one line two' });
  });

  it('replace a found entry, and are replaced by one', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    await cache.put(SHA, 'debian', MISSING, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('missing');
    expect(await readdir(entry())).toEqual(['meta.json']);
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('found');
  });
});

describe('a damaged entry is a miss, never an error', () => {
  beforeEach(async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
  });

  const damage: [string, () => Promise<void>, string][] = [
    ['nothing cached', () => rm(entry(), { recursive: true }), 'not cached'],
    ['meta.json not JSON', () => writeFile(entry('meta.json'), '{"format":'), 'meta.json is not JSON'],
    ['meta.json for another package', async () => {
      const meta = JSON.parse(await readFile(entry('meta.json'), 'utf8'));
      await writeFile(entry('meta.json'), JSON.stringify({ ...meta, sha256: 'f'.repeat(64) }));
    }, 'meta.json belongs to another entry'],
    ['meta.json of another version', async () => {
      const meta = JSON.parse(await readFile(entry('meta.json'), 'utf8'));
      await writeFile(entry('meta.json'), JSON.stringify({ ...meta, version: 2 }));
    }, 'meta.json has another format or version'],
    ['a bad fetch time', async () => {
      const meta = JSON.parse(await readFile(entry('meta.json'), 'utf8'));
      await writeFile(entry('meta.json'), JSON.stringify({ ...meta, fetchedAt: 'yesterday' }));
    }, 'meta.json fetchedAt is malformed'],
    ['a document file renamed in meta.json', async () => {
      const meta = JSON.parse(await readFile(entry('meta.json'), 'utf8'));
      meta.documents[0].file = '../../../../etc/passwd';
      await writeFile(entry('meta.json'), JSON.stringify(meta));
    }, 'meta.json document 0 is malformed'],
    ['a control character in a URL', async () => {
      const meta = JSON.parse(await readFile(entry('meta.json'), 'utf8'));
      meta.documents[1].url = 'https://r.example/\n201 URI Done';
      await writeFile(entry('meta.json'), JSON.stringify(meta));
    }, 'meta.json document 1 is malformed'],
    ['a document altered in place', () => writeFile(entry('1.json'), '{"signed":"SECOND"}'), '1.json does not match meta.json'],
    ['a document truncated', () => writeFile(entry('0.json'), '{"signed"'), '0.json does not match meta.json'],
    ['a document grown', () => writeFile(entry('0.json'), '{"signed":"first"} and more'), '0.json too-large'],
    ['a document deleted', () => rm(entry('1.json')), '1.json missing'],
    ['a document replaced by a symlink', async () => {
      await rm(entry('0.json'));
      await symlink('/etc/hostname', entry('0.json'));
    }, '0.json not-a-file'],
    ['meta.json replaced by a folder', async () => {
      await rm(entry('meta.json'));
      await mkdir(entry('meta.json'));
    }, ''],
    ['meta.json too big', () => writeFile(entry('meta.json'), ' '.repeat(300 * 1024)), ''],
  ];

  it.each(damage)('%s', async (_what, harm, why) => {
    await harm();
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind).toBe('miss');
    if (why !== '') expect(got).toEqual({ kind: 'miss', why });
  });

  it('treats a key that cannot be a folder name as a miss', async () => {
    expect(await cache.get('../..', 'debian', NOW)).toEqual({ kind: 'miss', why: 'invalid key' });
    expect(await cache.get(SHA, '../debian', NOW)).toEqual({ kind: 'miss', why: 'invalid key' });
  });

  it('treats an entry with more documents than allowed as a miss', async () => {
    expect((await open({ maxDocuments: 1 }).get(SHA, 'debian', NOW)).kind).toBe('miss');
  });
});

describe('writes that cannot be done', () => {
  it('refuse keys that cannot be folder names', async () => {
    expect(await rejectionOf(cache.put('A'.repeat(64), 'debian', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_BAD_KEY' });
    expect(await rejectionOf(cache.put(SHA, 'a/b', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_BAD_KEY' });
  });

  it('refuse documents beyond the bounds', async () => {
    const big: LookupResult = { status: 'found', documents: [{ url: 'https://r.example/', bytes: new Uint8Array(2048) }] };
    expect(await rejectionOf(cache.put(SHA, 'debian', big, { now: NOW }))).toMatchObject({ code: 'CACHE_TOO_LARGE' });
    const many: LookupResult = { status: 'found', documents: Array.from({ length: 5 }, () => ({ url: 'https://r.example/', bytes: bytes('x') })) };
    expect(await rejectionOf(cache.put(SHA, 'debian', many, { now: NOW }))).toMatchObject({ code: 'CACHE_TOO_LARGE' });
    expect(await rejectionOf(cache.put(SHA, 'debian', { status: 'found', documents: [] }, { now: NOW }))).toMatchObject({ code: 'CACHE_BAD_ENTRY' });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('miss');
  });

  it('report a cache folder that cannot be written', async () => {
    await writeFile(join(dir, 'v1'), 'a file where a folder should be');
    expect(await rejectionOf(cache.put(SHA, 'debian', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_WRITE' });
  });
});
