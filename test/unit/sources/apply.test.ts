/**
 * switchSources on real temporary directories: which files it reads, dry runs that
 * write nothing, one backup per file that is never replaced, atomic replacement with
 * the same mode and owner, disable after the admin edited a file, and every failure
 * leaving the files as they were.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKUP_SUFFIX, MAX_SOURCES_FILE_BYTES, nodeSourcesFs, switchSources } from '../../../src/sources/apply.js';
import type { SourcesFs, SwitchSourcesOptions } from '../../../src/sources/apply.js';
import { SourcesError } from '../../../src/sources/errors.js';

const MAIN = 'deb http://<mirror>/debian bookworm main\n# deb http://<mirror>/debian bookworm-backports main\n';
const DEB822 = 'Types: deb\nURIs: https://<mirror>/debian\nSuites: bookworm\nComponents: main\n';
const LOCAL = 'deb [trusted=yes] file:/srv/repo ./\n';
const ELSEWHERE = 'deb https://<other>/repo stable main\n';

let root: string;
let etc: string;
let parts: string;
let options: SwitchSourcesOptions;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'reprogate-sources-'));
  etc = join(root, 'etc/apt');
  parts = join(etc, 'sources.list.d');
  mkdirSync(parts, { recursive: true });
  mkdirSync(join(root, 'opt'));
  writeFileSync(join(etc, 'sources.list'), MAIN);
  writeFileSync(join(parts, 'debian.sources'), DEB822);
  writeFileSync(join(parts, 'local.list'), LOCAL);
  writeFileSync(join(root, 'opt/real.list'), ELSEWHERE);
  symlinkSync(join(root, 'opt/real.list'), join(parts, 'linked.list'));
  // Files apt does not read: a .save copy, a hidden file, a directory named like a list.
  writeFileSync(join(parts, 'old.list.save'), 'deb http://<mirror>/old s c\n');
  writeFileSync(join(parts, '.hidden.list'), 'deb http://<mirror>/hidden s c\n');
  mkdirSync(join(parts, 'dir.list'));
  options = { locations: { sourceList: join(etc, 'sources.list'), sourceParts: `${parts}/` } };
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` with its bytes, mode, inode and mtime: anything written changes it. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    const s = lstatSync(path);
    out[name] = s.isFile() ? `${s.mode} ${s.ino} ${s.mtimeMs} ${readFileSync(path, 'latin1')}` : `${s.mode}`;
  }
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(SourcesError);
    return (e as SourcesError).code;
  }
  throw new Error('expected a SourcesError');
}

const read = (path: string): string => readFileSync(path, 'latin1');
const withFs = (over: Partial<SourcesFs>): SwitchSourcesOptions => ({ ...options, fs: { ...nodeSourcesFs, ...over } });

describe('switchSources', () => {
  it('reads the files apt reads, in apt order, and reports the changes a dry run would make without writing', async () => {
    const before = snapshot(root);
    const result = await switchSources('enable', { ...options, dryRun: true });
    expect(snapshot(root)).toEqual(before);
    expect(result.dryRun).toBe(true);
    expect(result.files.map((f) => [f.path.slice(root.length), f.format, f.changes.length, f.backup?.state, f.written])).toEqual([
      ['/etc/apt/sources.list', 'one-line', 1, 'planned', false],
      ['/etc/apt/sources.list.d/debian.sources', 'deb822', 1, 'planned', false],
      ['/etc/apt/sources.list.d/linked.list', 'one-line', 1, 'planned', false],
      ['/etc/apt/sources.list.d/local.list', 'one-line', 0, undefined, false],
    ]);
    expect(result.files[0]?.changes).toEqual([
      { line: 1, oldUri: 'http://<mirror>/debian', newUri: 'reprogate+http://<mirror>/debian', enabled: true },
    ]);
    expect(result.files[3]?.kept).toEqual([{ line: 1, uri: 'file:/srv/repo', scheme: 'file', enabled: true }]);
  });

  it('enables: rewrites each file atomically, keeps one backup of the original, leaves unchanged files alone', async () => {
    const mainPath = join(etc, 'sources.list');
    const inodeBefore = statSync(mainPath).ino;
    const localBefore = snapshot(parts)['local.list'];
    const result = await switchSources('enable', options);

    expect(read(mainPath)).toBe(MAIN.replace('deb http://', 'deb reprogate+http://'));
    expect(read(join(parts, 'debian.sources'))).toBe(DEB822.replace('URIs: https://', 'URIs: reprogate+https://'));
    expect(read(mainPath + BACKUP_SUFFIX)).toBe(MAIN);
    expect(read(join(parts, 'debian.sources') + BACKUP_SUFFIX)).toBe(DEB822);
    // A new inode: the file was replaced by rename, never truncated and rewritten in place.
    expect(statSync(mainPath).ino).not.toBe(inodeBefore);
    expect(snapshot(parts)['local.list']).toBe(localBefore);
    expect(existsSync(join(parts, 'local.list') + BACKUP_SUFFIX)).toBe(false);
    expect(result.files.map((f) => [f.written, f.backup?.state])).toEqual([
      [true, 'created'],
      [true, 'created'],
      [true, 'created'],
      [false, undefined],
    ]);
    // No temporary file is left behind.
    expect(readdirSync(parts).filter((n) => n.includes('reprogate-'))).toEqual([]);
    expect(readdirSync(etc).filter((n) => n.includes('reprogate-'))).toEqual([]);
  });

  it('follows a symbolic link: the link stays, its target is rewritten and backed up beside it', async () => {
    const result = await switchSources('enable', options);
    const linked = result.files.find((f) => f.path.endsWith('linked.list'));
    expect(linked?.realPath).toBe(join(root, 'opt/real.list'));
    expect(lstatSync(join(parts, 'linked.list')).isSymbolicLink()).toBe(true);
    expect(read(join(root, 'opt/real.list'))).toBe(ELSEWHERE.replace('deb https://', 'deb reprogate+https://'));
    expect(read(join(root, 'opt/real.list') + BACKUP_SUFFIX)).toBe(ELSEWHERE);
    expect(linked?.backup).toEqual({ path: join(root, 'opt/real.list') + BACKUP_SUFFIX, state: 'created' });
  });

  it('switches a file once when apt reaches it under two names', async () => {
    symlinkSync(join(etc, 'sources.list'), join(parts, 'aa-main.list'));
    const result = await switchSources('enable', options);
    expect(result.files.map((f) => f.path.slice(root.length))).toEqual([
      '/etc/apt/sources.list',
      '/etc/apt/sources.list.d/debian.sources',
      '/etc/apt/sources.list.d/linked.list',
      '/etc/apt/sources.list.d/local.list',
    ]);
    expect(read(join(etc, 'sources.list'))).toBe(MAIN.replace('deb http://', 'deb reprogate+http://'));
  });

  it('keeps the mode and, as root, the owner of the file and its backup', async () => {
    const path = join(etc, 'sources.list');
    chmodSync(path, 0o640);
    const owner = process.getuid?.() === 0 ? { uid: 1234, gid: 5678 } : { uid: statSync(path).uid, gid: statSync(path).gid };
    if (process.getuid?.() === 0) chownSync(path, owner.uid, owner.gid);
    await switchSources('enable', options);
    for (const file of [path, path + BACKUP_SUFFIX]) {
      const s = statSync(file);
      expect([s.mode & 0o7777, s.uid, s.gid]).toEqual([0o640, owner.uid, owner.gid]);
    }
  });

  it('is idempotent, and never replaces a backup', async () => {
    await switchSources('enable', options);
    const after = snapshot(root);
    const again = await switchSources('enable', options);
    expect(snapshot(root)).toEqual(after);
    expect(again.files.map((f) => [f.changes.length, f.written, f.backup?.state])).toEqual([
      [0, false, 'existing'],
      [0, false, 'existing'],
      [0, false, 'existing'],
      [0, false, undefined],
    ]);
  });

  it('keeps a backup that already existed, even when it differs from the file', async () => {
    writeFileSync(join(etc, 'sources.list') + BACKUP_SUFFIX, 'an older backup\n');
    const result = await switchSources('enable', options);
    expect(read(join(etc, 'sources.list') + BACKUP_SUFFIX)).toBe('an older backup\n');
    expect(result.files[0]?.backup?.state).toBe('existing');
    expect(read(join(etc, 'sources.list'))).toBe(MAIN.replace('deb http://', 'deb reprogate+http://'));
  });

  it('disables by rewriting the current text, so an edit made since enable is kept, and names the backup', async () => {
    await switchSources('enable', options);
    const path = join(etc, 'sources.list');
    writeFileSync(path, `${read(path)}deb reprogate+https://<added>/debian bookworm main\n`);
    const result = await switchSources('disable', options);
    expect(read(path)).toBe(`${MAIN}deb https://<added>/debian bookworm main\n`);
    expect(read(join(parts, 'debian.sources'))).toBe(DEB822);
    expect(read(path + BACKUP_SUFFIX)).toBe(MAIN);
    expect(result.files[0]?.changes.map((c) => c.newUri)).toEqual(['http://<mirror>/debian', 'https://<added>/debian']);
    expect(result.files[0]?.backup).toEqual({ path: path + BACKUP_SUFFIX, state: 'existing' });
  });

  it('finds nothing, without error, when neither location exists', async () => {
    const result = await switchSources('enable', { locations: { sourceList: join(root, 'none.list'), sourceParts: join(root, 'none.d/') } });
    expect(result.files).toEqual([]);
  });

  it('writes nothing at all when any file is refused', async () => {
    writeFileSync(join(parts, 'zz-broken.list'), 'deb http://<mirror>/debian\n');
    const before = snapshot(root);
    await expect(switchSources('enable', options)).rejects.toThrow(/zz-broken\.list:1: apt would refuse this entry \(no suite\)/);
    expect(await codeOf(switchSources('enable', options))).toBe('SOURCES_SYNTAX');
    expect(snapshot(root)).toEqual(before);
  });

  it('refuses a file over the size limit (SOURCES_TOO_LARGE)', async () => {
    const fs = withFs({ stat: async (p) => ({ ...(await nodeSourcesFs.stat(p)), ...(p.endsWith('debian.sources') && { size: MAX_SOURCES_FILE_BYTES + 1 }) }) });
    expect(await codeOf(switchSources('enable', fs))).toBe('SOURCES_TOO_LARGE');
  });

  it('reports a file it cannot read (SOURCES_READ)', async () => {
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    expect(await codeOf(switchSources('enable', withFs({ readFile: () => Promise.reject(eio) })))).toBe('SOURCES_READ');
    expect(await codeOf(switchSources('enable', withFs({ readdir: () => Promise.reject(eio) })))).toBe('SOURCES_READ');
  });

  it('leaves a file as it was when replacing it fails, cleans up, and names the files already switched (SOURCES_WRITE)', async () => {
    const debianBefore = read(join(parts, 'debian.sources'));
    const fs = withFs({
      rename: (from, to) =>
        to.endsWith('debian.sources') ? Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })) : nodeSourcesFs.rename(from, to),
    });
    await expect(switchSources('enable', fs)).rejects.toThrow(/debian\.sources: EROFS.*; already switched: .*\/etc\/apt\/sources\.list$/);
    expect(await codeOf(switchSources('enable', fs))).toBe('SOURCES_WRITE');
    expect(read(join(parts, 'debian.sources'))).toBe(debianBefore);
    expect(readdirSync(parts).filter((n) => n.includes('reprogate-'))).toEqual([]);
    // Running again once the failure is gone finishes the job.
    await switchSources('enable', options);
    expect(read(join(parts, 'debian.sources'))).toBe(DEB822.replace('URIs: https://', 'URIs: reprogate+https://'));
  });

  it('does not replace a file that changed after it was read (SOURCES_CHANGED)', async () => {
    const path = join(etc, 'sources.list');
    const edited = 'deb http://<mirror>/debian trixie main\n';
    const fs = withFs({
      // The admin saves the file while our new version is being written.
      async writeNewFile(p, data, owner) {
        await nodeSourcesFs.writeNewFile(p, data, owner);
        if (p.includes('.sources.list.reprogate-') && read(path) === MAIN) writeFileSync(path, edited);
      },
    });
    expect(await codeOf(switchSources('enable', fs))).toBe('SOURCES_CHANGED');
    expect(read(path)).toBe(edited);
    expect(readdirSync(etc).filter((n) => n.includes('reprogate-'))).toEqual([]);
  });

  it('reads and writes bytes that are not UTF-8 unchanged', async () => {
    const latin1 = Buffer.from('# Caf\xe9 \xff\ndeb http://<mirror>/debian bookworm main\n', 'latin1');
    writeFileSync(join(etc, 'sources.list'), latin1);
    await switchSources('enable', options);
    const written = readFileSync(join(etc, 'sources.list'));
    expect(written.equals(Buffer.concat([latin1.subarray(0, latin1.indexOf('deb')), Buffer.from('deb reprogate+http://<mirror>/debian bookworm main\n')]))).toBe(true);
    expect(readFileSync(join(etc, 'sources.list') + BACKUP_SUFFIX).equals(latin1)).toBe(true);
  });
});
