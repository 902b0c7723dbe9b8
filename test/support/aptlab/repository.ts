/**
 * A Debian-style apt repository on disk, ready to serve: packages hard-linked
 * into `pool/<component>/<prefix>/<source>/`, `dists/<suite>/<component>/binary-amd64/
 * Packages(.gz)`, and a `Release` listing their MD5Sum and SHA256 (the fields Debian
 * publishes), clear-signed as `InRelease` and detached-signed as `Release.gpg`.
 *
 * Indices are written here rather than by apt-ftparchive: the control stanzas are
 * already known from the build, so this needs no second pass over the .debs, and
 * the self-test compares the result with apt-ftparchive's.
 *
 * Only `binary-amd64` is published, and it lists `Architecture: all` packages too
 * (as Debian's do), so `Architectures: amd64` is enough. No by-hash, no Contents,
 * no translations, no sources.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BuiltDeb } from './deb.js';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { signRelease, type SigningKey } from './signing.js';

export interface RepositoryOptions {
  readonly suite: string;
  readonly component: string;
  /** Sign Release with this key. Without it the repository is unsigned (use `trusted: true`). */
  readonly signWith?: SigningKey;
  readonly codename?: string;
  /** Release `Date` (default: now). */
  readonly date?: Date;
  /** Release `Valid-Until` (default: none). */
  readonly validUntil?: Date;
}

export interface RepositoryPackage {
  readonly deb: BuiltDeb;
  /** Path relative to the repository root, as in the `Filename:` field. */
  readonly filename: string;
  /** Absolute path of the file the server will send. */
  readonly path: string;
}

export interface Repository {
  /** Serve this directory. */
  readonly root: string;
  readonly suite: string;
  readonly component: string;
  readonly suiteDir: string;
  /** The public keyring for `Signed-By`, or undefined when unsigned. */
  readonly keyringPath: string | undefined;
  readonly packages: readonly RepositoryPackage[];
  /** The text of the Packages index. */
  readonly packagesIndex: string;
}

const PATH_COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export async function buildRepository(
  dir: string,
  debs: readonly BuiltDeb[],
  options: RepositoryOptions,
): Promise<Repository> {
  const { suite, component } = options;
  for (const [what, value] of [['suite', suite], ['component', component]] as const) {
    if (!PATH_COMPONENT.test(value)) {
      throw new AptlabError('APTLAB_BAD_SPEC', `repository ${what} ${JSON.stringify(value)} is not a plain path component`);
    }
  }
  const root = await makeDir(dir);
  const packages = await placeInPool(root, component, debs);
  const packagesIndex = packages.map(stanza).join('\n');

  const suiteDir = join(root, 'dists', suite);
  await makeDir(join(suiteDir, component, 'binary-amd64'));
  const indexBytes = Buffer.from(packagesIndex);
  const indexFiles: Array<[string, Buffer]> = [
    [`${component}/binary-amd64/Packages`, indexBytes],
    [`${component}/binary-amd64/Packages.gz`, gzipSync(indexBytes, { level: 9 })],
  ];
  for (const [rel, bytes] of indexFiles) await writeFile(join(suiteDir, rel), bytes);

  const releasePath = join(suiteDir, 'Release');
  await writeFile(releasePath, releaseText(options, indexFiles));
  if (options.signWith !== undefined) await signRelease(options.signWith, releasePath, suiteDir);

  return {
    root,
    suite,
    component,
    suiteDir,
    keyringPath: options.signWith?.keyringPath,
    packages,
    packagesIndex,
  };
}

/** Debian's pool prefix: `libf` for `libfoo`, else the first letter. */
export function poolPrefix(sourceName: string): string {
  return sourceName.startsWith('lib') && sourceName.length > 3 ? sourceName.slice(0, 4) : sourceName.slice(0, 1);
}

async function placeInPool(root: string, component: string, debs: readonly BuiltDeb[]): Promise<RepositoryPackage[]> {
  const seen = new Set<string>();
  const placed: RepositoryPackage[] = [];
  for (const deb of debs) {
    const filename = ['pool', component, poolPrefix(deb.source.name), deb.source.name, deb.fileName].join('/');
    if (seen.has(filename)) {
      throw new AptlabError('APTLAB_BAD_SPEC', `two packages would both be ${filename} in the pool`);
    }
    seen.add(filename);
    const path = join(root, filename);
    await makeDir(dirname(path));
    // A hard link is free and keeps the bytes identical; fall back to a copy across filesystems.
    await link(deb.path, path).catch(() => copyFile(deb.path, path));
    placed.push({ deb, filename, path });
  }
  return placed;
}

function stanza({ deb, filename }: RepositoryPackage): string {
  const fields = [
    ...deb.control,
    ['Filename', filename],
    ['Size', String(deb.size)],
    ['MD5sum', deb.md5],
    ['SHA256', deb.sha256],
  ];
  return fields.map(([k, v]) => `${k}: ${v}\n`).join('');
}

function releaseText(options: RepositoryOptions, files: ReadonlyArray<[string, Buffer]>): string {
  const lines = [
    'Origin: aptlab',
    'Label: aptlab',
    `Suite: ${options.suite}`,
    `Codename: ${options.codename ?? options.suite}`,
    `Date: ${(options.date ?? new Date()).toUTCString()}`,
  ];
  if (options.validUntil !== undefined) lines.push(`Valid-Until: ${options.validUntil.toUTCString()}`);
  lines.push('Architectures: amd64', `Components: ${options.component}`, 'Description: aptlab test repository');
  for (const [field, algorithm] of [['MD5Sum', 'md5'], ['SHA256', 'sha256']] as const) {
    lines.push(`${field}:`);
    for (const [rel, bytes] of files) {
      const digest = createHash(algorithm).update(bytes).digest('hex');
      lines.push(` ${digest} ${String(bytes.length).padStart(16)} ${rel}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
