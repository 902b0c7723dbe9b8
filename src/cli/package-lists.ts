/**
 * The sha256 of a .deb as apt's package lists give it: every `*_Packages` file in
 * `Dir::State::lists`, streamed once, keeping only the paragraphs whose Package,
 * Version and Architecture are wanted. These are the hashes apt checked the
 * downloads against, from indexes it verified against the repositories' signed
 * Release files.
 *
 * apt stores a list uncompressed unless `Acquire::GzipIndexes` is set; then it keeps
 * the file compressed (`.lz4` by default, also `.gz`, `.xz`, `.zst`, ...). Plain and
 * `.gz` are read here; every other compression apt may store goes through apt's own
 * `apt-helper cat-file`, which decompresses whatever apt wrote. A list that cannot
 * be read is reported and skipped: its packages then show as unknown, never as
 * something else.
 *
 * Deliberately not here: Sources lists, Translation files, and deciding which hash
 * is the installed one when the lists disagree (the caller says "unknown").
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FieldScanner } from './deb822-fields.js';

/** Where Debian's apt package installs its helper; it decompresses with apt's own code. */
export const APT_HELPER = '/usr/lib/apt/apt-helper';

/** A Packages list as apt names it in `Dir::State::lists`, plain or compressed. */
const PACKAGES_LIST = /_Packages(?:\.(gz|lz4|xz|zst|bz2|lzma))?$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

export interface ListedHash {
  readonly sha256: string;
  /** The list file it was found in. */
  readonly list: string;
  /** The repository's `host[:port]` from the list's name; undefined for file: and cdrom: sources. */
  readonly origin: string | undefined;
}

/** The key `findListedHashes` matches on. */
export function packageKey(name: string, version: string, architecture: string): string {
  return `${name} ${version} ${architecture}`;
}

/**
 * For each wanted key, every (sha256, list) pair the lists hold, in list-name order.
 * `onWarning` hears about lists that could not be read.
 */
export async function findListedHashes(
  listsDir: string,
  wanted: ReadonlySet<string>,
  onWarning: (message: string) => void,
): Promise<Map<string, ListedHash[]>> {
  const found = new Map<string, ListedHash[]>();
  let names: string[];
  try {
    names = (await readdir(listsDir)).filter((n) => PACKAGES_LIST.test(n)).sort();
  } catch (e) {
    onWarning(`cannot list apt's package lists in ${listsDir}: ${reason(e)}; every hash is unknown`);
    return found;
  }
  for (const name of names) {
    const list = join(listsDir, name);
    const origin = originOfListFile(name);
    const inList: [string, ListedHash][] = [];
    try {
      await scanList(list, (key, sha256) => {
        if (wanted.has(key)) inList.push([key, { sha256, list, origin }]);
      });
    } catch (e) {
      // All or nothing per list: a list that broke off half way is not trusted for any entry.
      onWarning(`cannot read ${list}: ${reason(e)}; packages listed only there show as unknown`);
      continue;
    }
    for (const [key, hash] of inList) found.set(key, [...(found.get(key) ?? []), hash]);
  }
  return found;
}

async function scanList(path: string, onEntry: (key: string, sha256: string) => void): Promise<void> {
  const { text, finished } = openListText(path);
  const scanner = new FieldScanner(['Package', 'Version', 'Architecture', 'SHA256']);
  const take = (fields: ReadonlyMap<string, string> | undefined): void => {
    const sha256 = fields?.get('sha256');
    const name = fields?.get('package');
    const version = fields?.get('version');
    const architecture = fields?.get('architecture');
    if (sha256 === undefined || !SHA256.test(sha256) || !name || !version || !architecture) return;
    onEntry(packageKey(name, version, architecture), sha256.toLowerCase());
  };
  // Split by hand: node:readline is several times slower, and a list runs to hundreds of MB.
  // latin1 maps each byte to one character; the fields read here are ASCII.
  text.setEncoding('latin1');
  // Both must settle: a decompressor that fails ends the text early, and only `finished` says why.
  const [read] = await Promise.allSettled([
    (async () => {
      let partial = '';
      for await (const chunk of text) {
        const lines = (partial + (chunk as string)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) take(scanner.line(line));
      }
      take(scanner.line(partial));
      take(scanner.end());
    })(),
    finished,
  ]);
  await finished;
  if (read.status === 'rejected') throw read.reason;
}

/** The list's text as a stream, and a promise that rejects if producing it failed. */
function openListText(path: string): { text: Readable; finished: Promise<void> } {
  const compression = PACKAGES_LIST.exec(path)?.[1];
  if (compression === undefined || compression === 'gz') {
    const file = createReadStream(path);
    const text = compression === 'gz' ? file.pipe(createGunzip()) : file;
    const finished = new Promise<void>((resolve, reject) => {
      file.once('error', (e) => {
        text.destroy(e);
        reject(e);
      });
      text.once('error', reject);
      text.once('end', resolve);
      text.once('close', resolve);
    });
    return { text, finished };
  }
  const child = spawn(APT_HELPER, ['cat-file', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 1000) stderr += chunk;
  });
  const finished = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run ${APT_HELPER} to decompress it (${e.message})`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${APT_HELPER} cat-file failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`));
    });
  });
  return { text: child.stdout, finished };
}

/**
 * apt names a list after its URI without the scheme (URItoFileName: "/" becomes "_",
 * and "_" itself is escaped as %5f), so the host and port are the text before the
 * first "_". A local source (`file:/srv/repo`) starts with "_": no origin.
 */
export function originOfListFile(name: string): string | undefined {
  const authority = name.slice(0, Math.max(0, name.indexOf('_')));
  if (authority === '') return undefined;
  try {
    return decodeURIComponent(authority).toLowerCase();
  } catch {
    return undefined;
  }
}

function reason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && e instanceof Error && !e.message.includes(code) ? `${code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}
