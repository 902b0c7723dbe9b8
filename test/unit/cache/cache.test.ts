import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
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
const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const FIRST = '{"signed":"first"}';
const SECOND = '{"signed":"second"}';
const FOUND: LookupResult = {
  status: 'found',
  documents: [
    { url: 'https://r.example/api/v1/builds/1/artifacts/2/attestation', bytes: bytes(FIRST) },
    { url: 'https://r.example/api/v1/builds/1/artifacts/3/attestation', bytes: bytes(SECOND) },
  ],
};
const MISSING: LookupResult = { status: 'missing', code: 'NET_HTTP_STATUS', reason: 'HTTP 404', transient: false };

let scratch: string;
let dir: string;
let cache: AttestationCache;
const folder = (): string => join(dir, 'v3', 'a');
const entry = (): string => join(folder(), `${SHA}.entry`);

function open(extra: Partial<CacheOptions> = {}): AttestationCache {
  return openCache({ dir, negativeTtlMs: 10 * MINUTE, maxDocuments: 4, maxDocumentBytes: 1024, ...extra });
}

type Meta = Record<string, unknown> & { documents: { url: string; size: number; sha256: string }[] };

/** The entry file as its two parts: the parsed meta line and the document bytes after it. */
async function readEntry(path = entry()): Promise<{ meta: Meta; body: Buffer }> {
  const file = await readFile(path);
  const end = file.indexOf(0x0a);
  return { meta: JSON.parse(file.subarray(0, end).toString('utf8')) as Meta, body: file.subarray(end + 1) };
}

async function writeEntry(meta: unknown, body: Uint8Array, path = entry()): Promise<void> {
  await writeFile(path, Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`), body]));
}

/** Changes the meta line only, keeping the documents as they are. */
async function patchMeta(change: (meta: Meta) => void): Promise<void> {
  const { meta, body } = await readEntry();
  change(meta);
  await writeEntry(meta, body);
}

async function withUmask<T>(mask: number, run: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await run();
  } finally {
    process.umask(previous);
  }
}

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'reprogate-cache-'));
  dir = join(scratch, 'cache');
  cache = open();
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('found entries', () => {
  it('come back byte for byte, with their URLs, origin and fetch time', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW, origin: 'qubes-repo.example' });
    const got = await cache.get(SHA, 'debian', new Date(NOW.getTime() + 365 * 24 * 60 * MINUTE));
    expect(got.kind).toBe('found');
    if (got.kind !== 'found') return;
    expect(got.documents.map((d) => [d.url, text(d.bytes)])).toEqual([
      [FOUND.status === 'found' && FOUND.documents[0]?.url, FIRST],
      [FOUND.status === 'found' && FOUND.documents[1]?.url, SECOND],
    ]);
    expect(got.origin).toBe('qubes-repo.example');
    expect(got.fetchedAt).toEqual(NOW);
  });

  it('are one file per .deb: for each rebuilder a compact meta line, then its documents as served', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW, origin: 'repo.example' });
    await cache.put(SHA, 'notset', MISSING, { now: NOW });
    expect(await readdir(dir)).toEqual(['v3']);
    expect(await readdir(join(dir, 'v3'))).toEqual(['a']);
    expect(await readdir(folder())).toEqual([`${SHA}.entry`]);

    const file = await readFile(entry(), 'utf8');
    const [line, ...rest] = file.split('\n');
    expect(JSON.parse(line ?? '')).toEqual({
      format: 'reprogate-attestation-cache',
      version: 3,
      sha256: SHA,
      rebuilder: 'debian',
      origin: 'repo.example',
      fetchedAt: '2026-03-01T12:00:00.000Z',
      result: 'found',
      documents: [
        { url: 'https://r.example/api/v1/builds/1/artifacts/2/attestation', size: FIRST.length, sha256: sha256Hex(bytes(FIRST)) },
        { url: 'https://r.example/api/v1/builds/1/artifacts/3/attestation', size: SECOND.length, sha256: sha256Hex(bytes(SECOND)) },
      ],
    });
    expect(line).toBe(JSON.stringify(JSON.parse(line ?? '')));
    // The next entry starts right after the documents the first one counts.
    expect(rest.join('\n')).toBe(
      `${FIRST}${SECOND}${JSON.stringify({
        format: 'reprogate-attestation-cache',
        version: 3,
        sha256: SHA,
        rebuilder: 'notset',
        origin: null,
        fetchedAt: '2026-03-01T12:00:00.000Z',
        result: 'missing',
        missing: { code: 'NET_HTTP_STATUS', reason: 'HTTP 404', transient: false },
      })}\n`,
    );
  });

  it('keep the other rebuilders\' entries when one is replaced, and read all of them from one file', async () => {
    await cache.putAll(SHA, new Map<string, LookupResult>([['debian', FOUND], ['notset', MISSING]]), { now: NOW });
    await cache.put(SHA, 'notset', FOUND, { now: NOW });
    await cache.put(SHA, 'third', MISSING, { now: NOW });
    const all = await cache.getAll(SHA, NOW);
    expect(['debian', 'notset', 'third', 'absent'].map((r) => all(r).kind)).toEqual(['found', 'found', 'missing', 'miss']);
    expect(all('absent')).toEqual({ kind: 'miss', why: 'not cached' });
    expect(all('../x')).toEqual({ kind: 'miss', why: 'invalid key' });
  });

  it('write nothing for an empty set of results', async () => {
    await cache.putAll(SHA, new Map(), { now: NOW });
    expect(await readdir(scratch)).toEqual([]);
  });

  it.each([0o077, 0o027, 0o022, 0o002])('are readable by all whatever the umask (%o)', async (mask) => {
    await withUmask(mask, async () => {
      const masked = open();
      await masked.put(SHA, 'debian', FOUND, { now: NOW });
      await masked.put('cd'.repeat(32), 'debian', MISSING, { now: NOW });
    });
    for (const path of [dir, join(dir, 'v3'), folder(), join(dir, 'v3', 'c')]) expect((await stat(path)).mode & 0o777).toBe(0o755);
    for (const path of [entry(), join(dir, 'v3', 'c', `${'cd'.repeat(32)}.entry`)]) expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  it('are replaced whole, leaving no temporary files', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    await cache.put(SHA, 'debian', { status: 'found', documents: [{ url: 'https://r.example/x', bytes: bytes('only') }] }, { now: NOW });
    expect(await readdir(folder())).toEqual([`${SHA}.entry`]);
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind === 'found' && got.documents.map((d) => text(d.bytes))).toEqual(['only']);
    expect((await readEntry()).body.toString()).toBe('only');
  });

  it('survive concurrent writers: the last rename wins and the entry is whole', async () => {
    const docs = Array.from({ length: 8 }, (_, i) => `doc-${i}-${'x'.repeat(i * 100)}`);
    await Promise.all(docs.map((doc, i) => cache.put(SHA, 'debian', { status: 'found', documents: [{ url: `https://r.example/${i}`, bytes: bytes(doc) }] }, { now: NOW })));
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind).toBe('found');
    if (got.kind !== 'found') return;
    const index = docs.indexOf(text(got.documents[0]?.bytes ?? new Uint8Array()));
    expect(index).toBeGreaterThanOrEqual(0);
    expect(got.documents[0]?.url).toBe(`https://r.example/${index}`);
    expect(await readdir(folder())).toEqual([`${SHA}.entry`]);
  });

  it("can be written concurrently into an empty cache, every rebuilder's answer kept, the folders made once for all", async () => {
    const cold = open();
    const shas = ['ab', 'ab', 'cd', 'ef'].map((prefix, i) => `${prefix}${String(i).repeat(62)}`);
    await Promise.all(shas.flatMap((sha) => ['debian', 'notset'].map((rebuilder) => cold.put(sha, rebuilder, FOUND, { now: NOW }))));
    for (const sha of shas) for (const rebuilder of ['debian', 'notset']) expect((await cold.get(sha, rebuilder, NOW)).kind).toBe('found');
    expect((await readdir(join(dir, 'v3'))).sort()).toEqual(['a', 'c', 'e']);
  });

  it('are written again after the cache folder was removed under a running process', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    await rm(dir, { recursive: true });
    await cache.put(SHA, 'debian', MISSING, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('missing');
  });

  it.skipIf(process.getuid?.() !== 0)('can be handed to the cache owner when written by root, whatever the umask', async () => {
    for (const mask of [0o022, 0o077]) {
      await rm(dir, { recursive: true, force: true });
      await withUmask(mask, () => open({ owner: { uid: 65534, gid: 65534 } }).put(SHA, 'debian', FOUND, { now: NOW }));
      for (const path of [dir, join(dir, 'v3'), folder(), entry()]) {
        expect((await stat(path)).uid).toBe(65534);
        expect((await stat(path)).gid).toBe(65534);
      }
    }
  });

  it('ignore the v1 entry folders and v2 entry files left by older versions', async () => {
    const old = join(dir, 'v1', 'ab', SHA, 'debian');
    await mkdir(old, { recursive: true });
    await writeFile(join(old, 'meta.json'), '{}');
    await mkdir(join(dir, 'v2', 'ab'), { recursive: true });
    await writeFile(join(dir, 'v2', 'ab', `${SHA}.debian.entry`), '{}\n');
    expect(await cache.get(SHA, 'debian', NOW)).toEqual({ kind: 'miss', why: 'not cached' });
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
    expect((await readFile(entry(), 'utf8')).split('\n')).toHaveLength(2);
  });

  it('replace a found entry, and are replaced by one', async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    await cache.put(SHA, 'debian', MISSING, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('missing');
    expect((await readEntry()).body).toHaveLength(0);
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('found');
  });
});

describe('a damaged entry is a miss, never an error', () => {
  beforeEach(async () => {
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
  });
  const total = FIRST.length + SECOND.length;

  const damage: [string, () => Promise<void>, string | RegExp][] = [
    ['nothing cached', () => rm(entry()), 'not cached'],
    ['meta line not JSON', async () => writeFile(entry(), Buffer.concat([Buffer.from('{"format":\n'), (await readEntry()).body])), 'meta line is not JSON'],
    ['meta line not UTF-8', async () => writeFile(entry(), Buffer.concat([Buffer.from([0x22, 0xff, 0x22, 0x0a]), (await readEntry()).body])), 'meta line is not JSON'],
    ['meta line not an object', async () => writeEntry([1, 2], (await readEntry()).body), 'meta line is not an object'],
    ['no newline at all', () => writeFile(entry(), '{"format":"reprogate-attestation-cache"}'), 'meta line is unterminated'],
    ['a meta line longer than any the cache writes', () => writeFile(entry(), ' '.repeat(256 * 1024 + 1)), 'meta line is too long'],
    ['meta line for another package', () => patchMeta((m) => void (m.sha256 = 'f'.repeat(64))), 'meta line belongs to another package'],
    ['a rebuilder name that cannot be one', () => patchMeta((m) => void (m.rebuilder = '../debian')), 'meta line rebuilder is malformed'],
    ['meta line of another format', () => patchMeta((m) => void (m.format = 'something-else')), 'meta line has another format or version'],
    ['meta line of version 2 (one file per rebuilder)', () => patchMeta((m) => void (m.version = 2)), 'meta line has another format or version'],
    ['a bad fetch time', () => patchMeta((m) => void (m.fetchedAt = 'yesterday')), 'meta line fetchedAt is malformed'],
    ['a fetch time not in canonical form', () => patchMeta((m) => void (m.fetchedAt = '2026-03-01T12:00:00Z')), 'meta line fetchedAt is malformed'],
    ['a control character in the origin', () => patchMeta((m) => void (m.origin = 'repo\n.example')), 'meta line origin is malformed'],
    ['a result that is neither', () => patchMeta((m) => void (m.result = 'ok')), 'meta line result is neither found nor missing'],
    ['an empty documents list', () => writeEntry({ ...foundMeta(), documents: [] }, new Uint8Array()), 'meta line documents list is malformed'],
    ['a control character in a URL', () => patchMeta((m) => void (m.documents[1]!.url = 'https://r.example/\n201 URI Done')), 'meta line document 1 is malformed'],
    ['a negative size', () => patchMeta((m) => void (m.documents[0]!.size = -1)), 'meta line document 0 is malformed'],
    ['a fractional size', () => patchMeta((m) => void (m.documents[0]!.size = 1.5)), 'meta line document 0 is malformed'],
    ['an uppercase sha256', () => patchMeta((m) => void (m.documents[0]!.sha256 = m.documents[0]!.sha256.toUpperCase())), 'meta line document 0 is malformed'],
    ['a document altered in place', async () => {
      const { meta, body } = await readEntry();
      body.write('SECOND', body.length - 8);
      await writeEntry(meta, body);
    }, 'document 1 does not match its sha256'],
    ['documents swapped with their records kept', async () => {
      const { meta } = await readEntry();
      await writeEntry(meta, bytes(SECOND + FIRST));
    }, 'document 0 does not match its sha256'],
    ['the boundary between documents moved', () => patchMeta((m) => {
      m.documents[0]!.size += 1;
      m.documents[1]!.size -= 1;
    }), 'document 0 does not match its sha256'],
    ['sizes that do not add up', () => patchMeta((m) => void (m.documents[0]!.size += 5)), `entry has ${total} document bytes, meta line says ${total + 5}`],
    ['the file truncated', async () => truncate(entry(), (await stat(entry())).size - 3), `entry has ${total - 3} document bytes, meta line says ${total}`],
    ['bytes appended', async () => writeFile(entry(), Buffer.concat([await readFile(entry()), Buffer.from('{"signed":"third"}')])), 'meta line is unterminated'],
    ['bytes after a missing result', async () => {
      const { meta } = await readEntry();
      await writeEntry({ ...meta, result: 'missing', documents: undefined, missing: { code: 'NET_HTTP_STATUS', reason: 'HTTP 404', transient: false } }, bytes(FIRST));
    }, 'meta line is unterminated'],
    ['the entry twice', async () => writeFile(entry(), Buffer.concat([await readFile(entry()), await readFile(entry())])), 'the file holds two entries for debian'],
    ['a malformed missing result', () => writeEntry({ ...foundMeta(), result: 'missing', missing: { code: 'x', reason: 'r', transient: false } }, new Uint8Array()), 'meta line missing result is malformed'],
    ['the entry replaced by a symlink to a good copy', async () => {
      const copy = join(scratch, 'copy.entry');
      await writeFile(copy, await readFile(entry()));
      await rm(entry());
      await symlink(copy, entry());
    }, /^entry not-a-file: .* is a symlink$/],
    ['the entry replaced by a folder', async () => {
      await rm(entry());
      await mkdir(entry());
    }, /^entry not-a-file: .* is not a regular file$/],
    ['a file larger than any entry the bounds allow', () => writeFile(entry(), Buffer.alloc(256 * 1024 + 1 + 4 * 1024 + 1, 0x20)), /^entry too-large: /],
  ];

  it.each(damage)('%s', async (_what, harm, why) => {
    await harm();
    const got = await cache.get(SHA, 'debian', NOW);
    expect(got.kind).toBe('miss');
    if (typeof why === 'string') expect(got).toEqual({ kind: 'miss', why });
    else expect(got.kind === 'miss' && got.why).toMatch(why);
  });

  it('control: the same rewriting with nothing changed is still found', async () => {
    await patchMeta(() => undefined);
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('found');
  });

  it("a package's file copied under another package's name is a miss there", async () => {
    const otherSha = 'ab'.padEnd(64, '1');
    await writeFile(join(folder(), `${otherSha}.entry`), await readFile(entry()));
    expect(await cache.get(otherSha, 'debian', NOW)).toEqual({ kind: 'miss', why: 'meta line belongs to another package' });
  });

  it('a file of more entries than any policy has rebuilders is a miss, and no more are written', async () => {
    // With the entry for debian, 64 in all.
    const many = new Map<string, LookupResult>(Array.from({ length: 63 }, (_, i) => [`r${i}`, MISSING]));
    await cache.putAll(SHA, many, { now: NOW });
    expect((await cache.get(SHA, 'r62', NOW)).kind).toBe('missing');
    expect(await rejectionOf(cache.put(SHA, 'r63', MISSING, { now: NOW }))).toMatchObject({ code: 'CACHE_TOO_LARGE' });
    const missingLine = (await readFile(entry(), 'utf8')).split('\n').find((line) => line.includes('"rebuilder":"r0"'));
    await writeFile(entry(), Buffer.concat([await readFile(entry()), Buffer.from(`${missingLine?.replace('"r0"', '"r63"')}\n`)]));
    expect(await cache.get(SHA, 'debian', NOW)).toEqual({ kind: 'miss', why: 'the file holds more than 64 entries' });
  });

  it("damage in one rebuilder's entry makes the whole file a miss, and the next write replaces it", async () => {
    await cache.put(SHA, 'notset', FOUND, { now: NOW });
    await truncate(entry(), (await stat(entry())).size - 3);
    const all = await cache.getAll(SHA, NOW);
    expect([all('debian').kind, all('notset').kind]).toEqual(['miss', 'miss']);
    await cache.put(SHA, 'third', MISSING, { now: NOW });
    const after = await cache.getAll(SHA, NOW);
    expect([after('debian').kind, after('notset').kind, after('third').kind]).toEqual(['miss', 'miss', 'missing']);
  });

  it('treats a key that cannot be a file name as a miss', async () => {
    expect(await cache.get('../..', 'debian', NOW)).toEqual({ kind: 'miss', why: 'invalid key' });
    expect(await cache.get(SHA, '../debian', NOW)).toEqual({ kind: 'miss', why: 'invalid key' });
  });

  it('treats an entry with more documents, or larger ones, than this reader allows as a miss', async () => {
    expect(await open({ maxDocuments: 1 }).get(SHA, 'debian', NOW)).toEqual({ kind: 'miss', why: 'meta line documents list is malformed' });
    expect(await open({ maxDocumentBytes: FIRST.length }).get(SHA, 'debian', NOW)).toEqual({ kind: 'miss', why: 'meta line document 1 is malformed' });
  });
});

describe('writes that cannot be done', () => {
  it('refuse keys that cannot be file names', async () => {
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

  it('refuse a meta line longer than a reader would accept, rather than write it unreadable', async () => {
    const longUrl = `https://r.example/${'é'.repeat(2000)}`;
    const wide: LookupResult = { status: 'found', documents: Array.from({ length: 100 }, () => ({ url: longUrl, bytes: bytes('x') })) };
    expect(await rejectionOf(open({ maxDocuments: 100 }).put(SHA, 'debian', wide, { now: NOW }))).toMatchObject({ code: 'CACHE_TOO_LARGE' });
    const fits: LookupResult = { status: 'found', documents: Array.from({ length: 32 }, () => ({ url: longUrl, bytes: bytes('x') })) };
    await open({ maxDocuments: 32 }).put(SHA, 'debian', fits, { now: NOW });
    expect((await open({ maxDocuments: 32 }).get(SHA, 'debian', NOW)).kind).toBe('found');
  });

  it('report a file where the v3 folder should be, and work once it is gone', async () => {
    await mkdir(dir);
    await writeFile(join(dir, 'v3'), 'a file where a folder should be');
    expect(await rejectionOf(cache.put(SHA, 'debian', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_WRITE' });
    await rm(join(dir, 'v3'));
    await cache.put(SHA, 'debian', FOUND, { now: NOW });
    expect((await cache.get(SHA, 'debian', NOW)).kind).toBe('found');
  });

  it('refuse to write through a symlink planted where a folder should be', async () => {
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(join(dir, 'v3'), { recursive: true });
    await symlink(elsewhere, folder());
    expect(await rejectionOf(cache.put(SHA, 'debian', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_WRITE' });
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('written by root for another owner, check every folder again at every write', async () => {
    // That owner (`_apt`) may swap a folder root checked before for a symlink.
    const handing = open({ owner: { uid: 65534, gid: 65534 } });
    await handing.put(SHA, 'debian', FOUND, { now: NOW });
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere);
    await rm(folder(), { recursive: true });
    await symlink(elsewhere, folder());
    expect(await rejectionOf(handing.put(SHA, 'notset', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_WRITE' });
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('leave no temporary file behind when the rename fails', async () => {
    await mkdir(entry(), { recursive: true });
    await writeFile(join(entry(), 'inside'), 'a folder where the entry should be');
    expect(await rejectionOf(cache.put(SHA, 'debian', FOUND, { now: NOW }))).toMatchObject({ code: 'CACHE_WRITE' });
    expect(await readdir(folder())).toEqual([`${SHA}.entry`]);
  });
});

function foundMeta(): Record<string, unknown> {
  return { format: 'reprogate-attestation-cache', version: 3, sha256: SHA, rebuilder: 'debian', origin: null, fetchedAt: NOW.toISOString(), result: 'found' };
}
