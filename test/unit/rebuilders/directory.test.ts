import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAdapter,
  writeBundle,
  type DocumentFiles,
  type LookupResult,
  type PackageQuery,
} from '../../../src/rebuilders/index.js';
import { rejectionOf, thrownBy } from '../../support/rebuilder-assert.js';

const SHA = 'c'.repeat(64);
const QUERY: PackageQuery = {
  name: 'hello',
  version: '1:2.0-1',
  architecture: 'amd64',
  source: { name: 'hello', version: '1:2.0-1' },
  sha256: SHA,
};
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reprogate-dir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function lookup(query: PackageQuery = QUERY, files?: DocumentFiles, url: string = dir): Promise<LookupResult> {
  return createAdapter(
    { name: 'debian', type: 'directory', url },
    { limits: { maxDocumentBytes: 1024, maxDocuments: 12 }, ...(files === undefined ? {} : { files }) },
  ).lookup(query);
}

describe('writeBundle and the directory adapter', () => {
  it('round-trip the documents, in numeric order, bytes untouched', async () => {
    const documents = Array.from({ length: 11 }, (_, n) => ({ url: `https://r.example/${n}`, bytes: bytes(`doc-${n}`) }));
    const folder = await writeBundle(dir, 'debian', SHA, documents);
    expect(folder).toBe(join(dir, 'debian', SHA));
    const result = await lookup();
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(documents.map((d) => text(d.bytes)));
    expect(result.status === 'found' && result.documents[10]?.url).toBe(pathToFileURL(join(folder, '10.json')).href);
  });

  it('accepts the folder as a file: URL', async () => {
    await writeBundle(dir, 'debian', SHA, [{ url: 'x', bytes: bytes('doc') }]);
    expect((await lookup(QUERY, undefined, pathToFileURL(dir).href)).status).toBe('found');
  });

  it('replaces an earlier bundle as a whole and leaves no temporary folders', async () => {
    await writeBundle(dir, 'debian', SHA, [0, 1, 2].map((n) => ({ url: 'x', bytes: bytes(`old-${n}`) })));
    await writeBundle(dir, 'debian', SHA, [{ url: 'x', bytes: bytes('new') }]);
    expect(await readdir(join(dir, 'debian', SHA))).toEqual(['0.json']);
    expect(await readdir(join(dir, 'debian'))).toEqual([SHA]);
    const result = await lookup();
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['new']);
  });

  it('writes world-readable files and folders even under umask 077', async () => {
    const previous = process.umask(0o077);
    try {
      await writeBundle(join(dir, 'out'), 'debian', SHA, [{ url: 'x', bytes: bytes('doc') }]);
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(dir, 'out', 'debian'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'out', 'debian', SHA))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'out', 'debian', SHA, '0.json'))).mode & 0o777).toBe(0o644);
  });

  it('refuses rebuilder names and hashes that are not plain folder names', async () => {
    for (const [name, sha] of [['..', SHA], ['a/b', SHA], ['', SHA], ['debian', 'C'.repeat(64)], ['debian', '../x']]) {
      expect(await rejectionOf(writeBundle(dir, name!, sha!, []))).toMatchObject({ code: 'REBUILDER_BAD_NAME' });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a folder it cannot write as REBUILDER_WRITE', async () => {
    await writeFile(join(dir, 'debian'), 'a file where a folder should be');
    expect(await rejectionOf(writeBundle(dir, 'debian', SHA, []))).toMatchObject({ code: 'REBUILDER_WRITE' });
  });

  it('will not write through a symlink planted in place of a folder', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(join(dir, 'out'));
    await symlink(elsewhere, join(dir, 'out', 'debian'));
    expect(await rejectionOf(writeBundle(join(dir, 'out'), 'debian', SHA, [{ url: 'x', bytes: bytes('doc') }]))).toMatchObject({
      code: 'REBUILDER_WRITE',
    });
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe('directory adapter', () => {
  it('is missing when there is no folder for the package', async () => {
    expect(await lookup()).toEqual({
      status: 'missing',
      code: 'REBUILDER_NOT_FOUND',
      reason: `no attestations in ${join(dir, 'debian', SHA)}`,
      transient: false,
    });
  });

  it('reads only n.json names and ignores everything else', async () => {
    const folder = join(dir, 'debian', SHA);
    await mkdir(folder, { recursive: true });
    for (const name of ['01.json', 'x.json', '.tmp-0.json', '0.json.bak', 'meta.json']) await writeFile(join(folder, name), 'stray');
    expect(await lookup()).toMatchObject({ status: 'missing', code: 'REBUILDER_NOT_FOUND' });
    await writeFile(join(folder, '0.json'), 'real');
    const result = await lookup();
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['real']);
  });

  it('reads at most maxDocuments', async () => {
    await writeBundle(dir, 'debian', SHA, Array.from({ length: 20 }, (_, n) => ({ url: 'x', bytes: bytes(`${n}`) })));
    const result = await lookup();
    expect(result.status === 'found' && result.documents).toHaveLength(12);
  });

  it('skips an oversized document when others are readable, and reports it when none is', async () => {
    const folder = join(dir, 'debian', SHA);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, '0.json'), 'x'.repeat(2000));
    expect(await lookup()).toMatchObject({ status: 'missing', code: 'REBUILDER_TOO_LARGE', transient: false });
    await writeFile(join(folder, '1.json'), 'small');
    const result = await lookup();
    expect(result.status === 'found' && result.documents.map((d) => text(d.bytes))).toEqual(['small']);
  });

  it('does not follow a symlink to a document, nor block on a FIFO', async () => {
    const folder = join(dir, 'debian', SHA);
    await mkdir(folder, { recursive: true });
    await writeFile(join(dir, 'secret'), 'not an attestation');
    await symlink(join(dir, 'secret'), join(folder, '0.json'));
    execFileSync('mkfifo', [join(folder, '1.json')]);
    expect(await lookup()).toMatchObject({ status: 'missing', code: 'REBUILDER_UNREADABLE' });
  });

  it('reports a folder it cannot read as unreadable, through injected file access', async () => {
    const files: DocumentFiles = {
      list: () => Promise.resolve({ ok: false, why: 'unreadable', detail: '/x: EACCES' }),
      read: () => Promise.reject(new Error('not called')),
    };
    expect(await lookup(QUERY, files)).toEqual({ status: 'missing', code: 'REBUILDER_UNREADABLE', reason: 'cannot read /x: EACCES', transient: false });
  });

  it('refuses a sha256 that is not a folder name, without touching the disk', async () => {
    const files: DocumentFiles = {
      list: () => Promise.reject(new Error('must not list')),
      read: () => Promise.reject(new Error('must not read')),
    };
    expect(await lookup({ ...QUERY, sha256: '../../etc' }, files)).toMatchObject({ status: 'missing', code: 'REBUILDER_BAD_NAME' });
  });

  it('answers aborted for an aborted signal', async () => {
    const adapter = createAdapter({ name: 'debian', type: 'directory', url: dir });
    expect(await adapter.lookup(QUERY, AbortSignal.abort())).toMatchObject({ status: 'missing', code: 'REBUILDER_ABORTED', transient: true });
  });
});

describe('createAdapter', () => {
  it.each([
    [{ name: 'd', type: 'directory', url: 'relative/folder' }, 'REBUILDER_BAD_ENDPOINT'],
    [{ name: 'd', type: 'directory', url: 'file://host/share' }, 'REBUILDER_BAD_ENDPOINT'],
    [{ name: '../d', type: 'directory', url: '/srv/attestations' }, 'REBUILDER_BAD_NAME'],
    [{ name: 'r', type: 'rebuilderd', url: 'ftp://r.example/' }, 'REBUILDER_BAD_ENDPOINT'],
    [{ name: 'r', type: 'rebuilderd', url: 'not a url' }, 'REBUILDER_BAD_ENDPOINT'],
    [{ name: 's', type: 'sources', url: 'https://user:pw@r.example/' }, 'REBUILDER_BAD_ENDPOINT'],
    [{ name: 'x', type: 'gopher', url: 'https://r.example/' }, 'REBUILDER_BAD_ENDPOINT'],
  ])('refuses %j with %s', (endpoint, code) => {
    expect(thrownBy(() => createAdapter(endpoint as Parameters<typeof createAdapter>[0]))).toMatchObject({ code });
  });
});
