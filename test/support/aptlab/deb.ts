/**
 * Tiny real .deb files for tests that need many packages with awkward names
 * (epochs, binNMUs, a source name that differs from the binary name, `all` and
 * `amd64`), built by `dpkg-deb --root-owner-group --build` or, for bulk, by the
 * in-process writer in debarchive.ts (same contents, checked by the self-test).
 *
 * Builds are reproducible: file modes and mtimes are fixed and SOURCE_DATE_EPOCH is
 * set, so the same spec gives the same bytes (and sha256) every time, as it would for
 * a rebuilder. Padding is deterministic unless `padding: 'random'` is asked for.
 *
 * Does not make maintainer scripts, conffiles or multiple binaries per source; a
 * test that needs those builds them itself.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { debArchive, type ArchiveEntry, type ControlCompressor } from './debarchive.js';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { runChecked, sealedEnv } from './process.js';

export type DebArchitecture = 'all' | 'amd64';

export interface DebSpec {
  readonly name: string;
  /** A Debian version; may carry an epoch (`1:2.0-1`) or a binNMU suffix (`+b1`). */
  readonly version: string;
  readonly architecture: DebArchitecture;
  /** `Source:` field, `src` or `src (version)` (the latter for binNMUs). */
  readonly source?: string;
  readonly depends?: string;
  /** Bytes of padding in the payload, to make the package this large (roughly). */
  readonly sizeBytes?: number;
  /** Padding content: deterministic (default, reproducible) or random (unique per build). */
  readonly padding?: 'deterministic' | 'random';
  /** Extra control fields, written before Description. */
  readonly control?: Readonly<Record<string, string>>;
}

export interface BuiltDeb {
  readonly spec: DebSpec;
  /** Absolute path of the built file. */
  readonly path: string;
  /** The pool file name: `<name>_<version without epoch>_<arch>.deb`. */
  readonly fileName: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  readonly sha512: string;
  /** The control stanza as written (ordered), for building indices without re-reading it. */
  readonly control: ReadonlyArray<readonly [string, string]>;
  /** Source package name and version, as a rebuilder would file its attestation. */
  readonly source: { readonly name: string; readonly version: string };
}

/** 2024-01-01T00:00:00Z: the fixed mtime of every file, for reproducible builds. */
const BUILD_EPOCH = 1_704_067_200;
/**
 * gzip for data.tar: dpkg-deb's default xz costs ~3x more for these tiny payloads,
 * and level 1 keeps large paddings cheap. apt and dpkg read both.
 */
const GZIP_LEVEL = 1;

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
// [epoch:]upstream[-revision]: upstream starts with a digit; ':' only after the epoch.
const VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~-]*$/;
const SOURCE = /^([a-z0-9][a-z0-9+.-]+)(?: \(([^()\s]+)\))?$/;

export function versionWithoutEpoch(version: string): string {
  const colon = version.indexOf(':');
  return colon < 0 ? version : version.slice(colon + 1);
}

export function debFileName(spec: Pick<DebSpec, 'name' | 'version' | 'architecture'>): string {
  return `${spec.name}_${versionWithoutEpoch(spec.version)}_${spec.architecture}.deb`;
}

export interface BuildOptions {
  /**
   * `dpkg-deb` (default): the real tool, one process per package (20-30 ms each,
   * two in parallel on two cores). `node`: the same archive written in-process
   * (debarchive.ts), several times cheaper, for tests that need hundreds of packages.
   */
  readonly builder?: 'dpkg-deb' | 'node';
  /**
   * `gzip` (default): the control member as the tests have always had it. `debian`:
   * as Debian's archive ships packages (dpkg-deb's default), `control.tar.xz` holding
   * `md5sums` besides `control`, so that reading a package's identity costs what it
   * costs on real packages. With the `node` builder only (compressed by `xz`).
   */
  readonly control?: 'gzip' | 'debian';
}

/** Build one package into `dir/<fileName>` (dpkg-deb stages its tree under `dir/.staging/`). */
export async function buildDeb(dir: string, spec: DebSpec, options: BuildOptions = {}): Promise<BuiltDeb> {
  const control = controlStanza(spec);
  const source = sourceOf(spec);
  const fileName = debFileName(spec);
  const out = join(await makeDir(dir), fileName);
  const debianControl = options.control === 'debian';
  if (debianControl && options.builder !== 'node') bad('a Debian-like control member needs the node builder');
  const entries = payload(spec, control, debianControl);
  if (options.builder === 'node') {
    await writeFile(out, debArchive(entries.control, entries.data, BUILD_EPOCH, GZIP_LEVEL, debianControl ? xzControl : undefined));
  } else {
    await buildWithDpkgDeb(dir, fileName, entries, out);
  }
  const { md5, sha256, sha512, size } = await hashFile(out);
  return { spec, path: out, fileName, size, md5, sha256, sha512, control, source };
}

/** Build many packages; with dpkg-deb, one process per core at a time. */
export async function buildDebs(
  dir: string,
  specs: readonly DebSpec[],
  options: BuildOptions & { readonly concurrency?: number } = {},
): Promise<BuiltDeb[]> {
  const names = specs.map(debFileName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) bad(`two specs would both be built as ${duplicate}`);
  const concurrency = options.builder === 'node' ? 1 : (options.concurrency ?? availableParallelism());
  const results: BuiltDeb[] = new Array<BuiltDeb>(specs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < specs.length; i = next++) {
      results[i] = await buildDeb(dir, specs[i]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, worker));
  return results;
}

export interface FileHashes {
  readonly md5: string;
  readonly sha256: string;
  readonly sha512: string;
  readonly size: number;
}

export async function hashFile(path: string): Promise<FileHashes> {
  const h5 = createHash('md5');
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    h5.update(chunk);
    h256.update(chunk);
    h512.update(chunk);
    size += chunk.length;
  }
  return { md5: h5.digest('hex'), sha256: h256.digest('hex'), sha512: h512.digest('hex'), size };
}

function controlStanza(spec: DebSpec): Array<readonly [string, string]> {
  if (!NAME.test(spec.name)) bad(`package name ${JSON.stringify(spec.name)} is not a Debian package name`);
  if (!VERSION.test(spec.version)) bad(`version ${JSON.stringify(spec.version)} of ${spec.name} is not a Debian version`);
  if (spec.architecture !== 'all' && spec.architecture !== 'amd64') {
    bad(`architecture ${JSON.stringify(spec.architecture)} of ${spec.name} is not 'all' or 'amd64'`);
  }
  if (spec.source !== undefined && !SOURCE.test(spec.source)) {
    bad(`source ${JSON.stringify(spec.source)} of ${spec.name} is not 'name' or 'name (version)'`);
  }
  const size = spec.sizeBytes ?? 0;
  if (!Number.isSafeInteger(size) || size < 0) bad(`sizeBytes of ${spec.name} must be a non-negative integer`);
  const fields: Array<readonly [string, string]> = [['Package', spec.name]];
  if (spec.source !== undefined) fields.push(['Source', spec.source]);
  fields.push(
    ['Version', spec.version],
    ['Architecture', spec.architecture],
    ['Maintainer', 'aptlab <aptlab@example.invalid>'],
    ['Installed-Size', String(Math.ceil(size / 1024) + 4)],
  );
  if (spec.depends !== undefined) fields.push(['Depends', spec.depends]);
  fields.push(['Section', 'misc'], ['Priority', 'optional']);
  for (const [k, v] of Object.entries(spec.control ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(k) || fields.some(([f]) => f.toLowerCase() === k.toLowerCase())) {
      bad(`extra control field ${JSON.stringify(k)} of ${spec.name} is malformed or already set`);
    }
    fields.push([k, v]);
  }
  fields.push(['Description', `aptlab test package ${spec.name}`]);
  for (const [k, v] of fields) {
    if (v === '' || /[\n\r]/.test(v)) bad(`control field ${k} of ${spec.name} must be one non-empty line`);
  }
  return fields;
}

function sourceOf(spec: DebSpec): { name: string; version: string } {
  const m = spec.source === undefined ? null : SOURCE.exec(spec.source);
  return { name: m?.[1] ?? spec.name, version: m?.[2] ?? spec.version };
}

interface Payload {
  readonly control: readonly ArchiveEntry[];
  /** Directories and files in the order dpkg-deb writes them (sorted, parents first). */
  readonly data: readonly ArchiveEntry[];
}

/** xz's defaults (preset 6, CRC64), as dpkg-deb compresses a control member. */
const xzControl: ControlCompressor = (tar) => ['control.tar.xz', execFileSync('xz', ['--compress', '--stdout'], { input: tar })];

function payload(spec: DebSpec, control: ReadonlyArray<readonly [string, string]>, withMd5sums = false): Payload {
  const files: Array<[string, Buffer]> = [
    [`usr/share/doc/${spec.name}/README`, Buffer.from(`${spec.name} ${spec.version} ${spec.architecture}\n`)],
  ];
  if ((spec.sizeBytes ?? 0) > 0) files.push([`usr/share/${spec.name}/padding`, paddingBytes(spec)]);
  const dirs = new Set<string>();
  for (const [path] of files) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const data: ArchiveEntry[] = [
    ...[...dirs].map((path) => ({ path, mode: 0o755 })),
    ...files.map(([path, content]) => ({ path, content, mode: 0o644 })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const controlFile = Buffer.from(control.map(([k, v]) => `${k}: ${v}\n`).join(''));
  const controlEntries: ArchiveEntry[] = [{ path: 'control', content: controlFile, mode: 0o644 }];
  if (withMd5sums) {
    // What dh_md5sums writes: every regular file of the payload, in payload order.
    const md5sums = files.map(([path, content]) => `${createHash('md5').update(content).digest('hex')}  ${path}\n`).join('');
    controlEntries.push({ path: 'md5sums', content: Buffer.from(md5sums), mode: 0o644 });
  }
  return { control: controlEntries, data };
}

async function buildWithDpkgDeb(dir: string, fileName: string, entries: Payload, out: string): Promise<void> {
  const staging = join(dir, '.staging', `${fileName}.${randomBytes(4).toString('hex')}`);
  const tmp = await makeDir(join(dir, '.staging', 'tmp'), 0o700);
  try {
    const tree: ArchiveEntry[] = [
      { path: 'DEBIAN', mode: 0o755 },
      ...entries.control.map((e) => ({ ...e, path: `DEBIAN/${e.path}` })),
      ...entries.data,
    ];
    await mkdir(staging, { recursive: true });
    for (const e of tree) {
      const p = join(staging, e.path);
      if (e.content === undefined) await mkdir(p, { recursive: true });
      else await writeFile(p, e.content);
      await chmod(p, e.mode); // explicit: a restrictive umask would make dpkg-deb refuse DEBIAN/
    }
    // Deepest first, so fixing a child's mtime does not touch an already fixed parent.
    for (const p of [...tree.map((e) => join(staging, e.path)), staging].sort((a, b) => b.length - a.length)) {
      await utimes(p, BUILD_EPOCH, BUILD_EPOCH);
    }
    await runChecked('dpkg-deb', ['--root-owner-group', '-Zgzip', `-z${GZIP_LEVEL}`, '--build', staging, out], {
      env: sealedEnv(tmp, { SOURCE_DATE_EPOCH: String(BUILD_EPOCH) }),
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Padding: AES-CTR keystream seeded by the package identity (fast, reproducible), or random. */
function paddingBytes(spec: DebSpec): Buffer {
  const size = spec.sizeBytes ?? 0;
  if (spec.padding === 'random') return randomBytes(size);
  const key = createHash('sha256').update(`${spec.name}\0${spec.version}\0${spec.architecture}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

function bad(message: string): never {
  throw new AptlabError('APTLAB_BAD_SPEC', message);
}

/**
 * The same package with other bytes and the same size, still a .deb dpkg would
 * install: the first ar member's mtime (a decimal header field) moves by one second.
 * apt checks only the size of a .deb already in archives/, so this is how a cache
 * planted by an attacker looks.
 */
export function sameSizeOtherBytes(deb: Uint8Array): Buffer {
  const bytes = Buffer.from(deb);
  const MTIME = 8 + 16; // "!<arch>\n", then the member header: name[16], mtime[12], ...
  const mtime = Number(bytes.subarray(MTIME, MTIME + 12).toString('latin1').trim());
  if (!Number.isInteger(mtime)) throw new Error('no decimal mtime in the first ar member header');
  bytes.write(String(mtime + 1).padEnd(12, ' '), MTIME, 'latin1');
  return bytes;
}
