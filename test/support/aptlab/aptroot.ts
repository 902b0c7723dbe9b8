/**
 * A throwaway apt root and a way to run the real apt-get in it.
 *
 * Isolation: apt reads the file named by APT_CONFIG before `Dir::Etc::Parts`, and
 * that file sets `Dir` to the root, so the machine's /etc/apt (its sources, keys,
 * proxy settings and hooks such as 70debconf) is never read; state, lists, cache,
 * logs and the dpkg database all live under the root. apt is run with a sealed
 * environment (see process.ts), so no proxy variables leak in.
 *
 * Methods: `methods/` holds a symlink to every stock method in /usr/lib/apt/methods
 * plus the ones given (which may replace stock ones); `Dir::Bin::Methods` points there.
 *
 * The `_apt` sandbox: as root, apt runs its methods as `_apt`. That user must be able
 * to walk to `var/lib/apt/lists/partial` and `var/cache/apt/archives/partial` (apt
 * chowns those two to `_apt` itself), read the `Signed-By` keyring and the `CaInfo`
 * certificate, and write TMPDIR. So every directory here is 0755, `tmp/` is 1777,
 * and keyrings/certificates are 0644 (signing.ts, tls.ts). If any of that fails, apt
 * warns "Download is performed unsandboxed as root" and carries on; the self-test
 * checks that this warning never appears.
 *
 * `--download-only` is the main use. A full install also works: `DPkg::Options`
 * points dpkg at the root (`--root`, `--admindir`, `--log`). The lab's packages have
 * no maintainer scripts, so nothing runs inside the root.
 *
 * The root is only files; the lab removes it. Nothing here starts a process that
 * outlives `runApt`.
 */
import { constants } from 'node:fs';
import { access, chmod, readdir, symlink, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { runCommand, sealedEnv, type CommandResult } from './process.js';
import type { Repository } from './repository.js';

export const STOCK_METHODS_DIR = '/usr/lib/apt/methods';

export interface SourceEntry {
  /** e.g. `http://127.0.0.1:34567/` or `reprogate+https://127.0.0.1/`. */
  readonly uri: string;
  readonly suite: string;
  readonly components: readonly string[];
  /** Keyring file for `Signed-By`. */
  readonly signedBy?: string;
  /** `trusted=yes`: accept an unsigned repository. */
  readonly trusted?: boolean;
  readonly architectures?: readonly string[];
}

export interface PreInstallHook {
  /** Run by `/bin/sh -c`; its first word keys `DPkg::Tools::Options`. */
  readonly command: string;
  /** Hook protocol version (default 1: .deb paths on stdin). */
  readonly version?: 1 | 2 | 3;
  /** File descriptor for the hook's input (default 0). */
  readonly infoFd?: number;
}

export type AptConfigValue = string | number | boolean | readonly string[];

export interface AptRootOptions {
  readonly sources: readonly SourceEntry[];
  /** deb822 (`aptlab.sources`, default) or one-line (`aptlab.list`). */
  readonly sourcesFormat?: 'deb822' | 'one-line';
  /** Extra methods: scheme name -> executable (symlinked into the methods dir). */
  readonly methods?: Readonly<Record<string, string>>;
  /** Options written to the APT_CONFIG file after the lab's defaults (later wins). */
  readonly config?: Readonly<Record<string, AptConfigValue>>;
  /**
   * Files for `etc/apt/apt.conf.d/` (name -> content), e.g. the snippet a package would
   * install. apt reads them after the APT_CONFIG file, so they override `config`.
   */
  readonly confParts?: Readonly<Record<string, string>>;
  readonly hooks?: { readonly preInstallPkgs?: readonly PreInstallHook[] };
  /** `Debug::<name> "true"` for each, e.g. `Acquire::http`, `pkgAcquire::Worker`. */
  readonly debug?: readonly string[];
}

export interface AptRoot {
  readonly dir: string;
  /** The APT_CONFIG file. */
  readonly configPath: string;
  readonly methodsDir: string;
  readonly listsDir: string;
  readonly archivesDir: string;
  readonly statusFile: string;
  /** TMPDIR of apt and its methods (mode 1777, like /tmp). */
  readonly tmpDir: string;
}

export interface RunAptOptions {
  /** Extra environment (on top of the sealed one with APT_CONFIG). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default 120 s; apt is killed after it (APTLAB_COMMAND_TIMEOUT). */
  readonly timeoutMs?: number;
  readonly program?: 'apt-get' | 'apt' | 'apt-cache' | 'apt-config';
}

const CONFIG_KEY = /^[A-Za-z0-9][A-Za-z0-9:+_./-]*$/;
const METHOD_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const PART_NAME = /^[A-Za-z0-9_-]+$/; // apt ignores apt.conf.d files with other characters (e.g. dots)

export function sourceFor(repository: Repository, uri: string): SourceEntry {
  return {
    uri,
    suite: repository.suite,
    components: [repository.component],
    ...(repository.keyringPath === undefined ? { trusted: true } : { signedBy: repository.keyringPath }),
  };
}

export async function createAptRoot(dir: string, options: AptRootOptions): Promise<AptRoot> {
  const root = await makeDir(dir);
  const at = (...p: string[]) => join(root, ...p);
  for (const d of [
    'etc/apt/apt.conf.d', 'etc/apt/sources.list.d', 'etc/apt/preferences.d', 'etc/apt/trusted.gpg.d',
    'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/log/apt',
    'var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/lib/dpkg/alternatives',
  ]) {
    await makeDir(at(d));
  }
  const tmpDir = await makeDir(at('tmp'), 0o1777);
  const statusFile = at('var/lib/dpkg/status');
  await writeFile(statusFile, '');
  const methodsDir = await installMethods(at('methods'), options.methods ?? {});

  const defaults: Array<[string, AptConfigValue]> = [
    ['Dir', `${root}/`],
    ['Dir::State', 'var/lib/apt/'],
    ['Dir::State::status', statusFile],
    ['Dir::Cache', 'var/cache/apt/'],
    ['Dir::Etc', 'etc/apt/'],
    ['Dir::Log', 'var/log/apt/'],
    ['Dir::Bin::Methods', `${methodsDir}/`],
    ['APT::Architecture', 'amd64'],
    ['APT::Architectures', ['amd64']],
    ['Acquire::Languages', 'none'],
    // apt 2.x retries failed fetches with growing delays; tests want failures now.
    ['Acquire::Retries', '0'],
    ['APT::Color', '0'],
    ['Dpkg::Use-Pty', '0'],
    ['DPkg::Options', [`--root=${root}`, `--admindir=${at('var/lib/dpkg')}`, `--log=${at('var/log/dpkg.log')}`, '--force-not-root']],
  ];
  const entries: Array<[string, AptConfigValue]> = [
    ...defaults,
    ...(options.debug ?? []).map((d): [string, AptConfigValue] => [`Debug::${d}`, true]),
    ...hookConfig(options.hooks?.preInstallPkgs ?? []),
    ...Object.entries(options.config ?? {}),
  ];
  const configPath = at('apt.conf');
  await writeFile(configPath, entries.map(([k, v]) => renderOption(k, v)).join(''));

  for (const [name, content] of Object.entries(options.confParts ?? {})) {
    if (!PART_NAME.test(name)) bad(`apt.conf.d file name ${JSON.stringify(name)} would be ignored by apt`);
    await writeFile(at('etc/apt/apt.conf.d', name), content);
  }
  const deb822 = (options.sourcesFormat ?? 'deb822') === 'deb822';
  await writeFile(
    at('etc/apt/sources.list.d', deb822 ? 'aptlab.sources' : 'aptlab.list'),
    options.sources.map(deb822 ? renderDeb822 : renderOneLine).join(deb822 ? '\n' : ''),
  );

  return {
    dir: root,
    configPath,
    methodsDir,
    listsDir: at('var/lib/apt/lists'),
    archivesDir: at('var/cache/apt/archives'),
    statusFile,
    tmpDir,
  };
}

/**
 * Run real apt-get (or apt, apt-cache, apt-config) against the root. A non-zero exit
 * is a result, not an error; only a run past `timeoutMs` throws (APTLAB_COMMAND_TIMEOUT).
 */
export function runApt(root: AptRoot, args: readonly string[], options: RunAptOptions = {}): Promise<CommandResult> {
  return runCommand(options.program ?? 'apt-get', args, {
    env: sealedEnv(root.tmpDir, { APT_CONFIG: root.configPath, DEBIAN_FRONTEND: 'noninteractive', ...options.env }),
    cwd: root.tmpDir,
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}

export interface ArchivesListing {
  /** Complete downloads in `archives/` (file names, sorted; `lock` and `partial/` left out). */
  readonly archives: readonly string[];
  /** What is left in `archives/partial/`. */
  readonly partial: readonly string[];
}

export async function archivesListing(root: AptRoot): Promise<ArchivesListing> {
  const names = async (d: string) =>
    (await readdir(d, { withFileTypes: true })).filter((e) => e.isFile() && e.name !== 'lock').map((e) => e.name).sort();
  return { archives: await names(root.archivesDir), partial: await names(join(root.archivesDir, 'partial')) };
}

async function installMethods(dir: string, extra: Readonly<Record<string, string>>): Promise<string> {
  await makeDir(dir);
  for (const name of await readdir(STOCK_METHODS_DIR)) {
    await symlink(join(STOCK_METHODS_DIR, name), join(dir, name));
  }
  for (const [name, target] of Object.entries(extra)) {
    if (!METHOD_NAME.test(name)) bad(`method name ${JSON.stringify(name)} is not a URI scheme`);
    await access(target, constants.X_OK).catch((e: unknown) => {
      throw new AptlabError('APTLAB_METHOD_MISSING', `method ${name}: ${target} is not an executable file`, { cause: e });
    });
    await unlink(join(dir, name)).catch(() => undefined);
    await symlink(target, join(dir, name));
  }
  await chmod(dir, 0o755);
  return dir;
}

function hookConfig(hooks: readonly PreInstallHook[]): Array<[string, AptConfigValue]> {
  if (hooks.length === 0) return [];
  const out: Array<[string, AptConfigValue]> = [['DPkg::Pre-Install-Pkgs', hooks.map((h) => h.command)]];
  for (const hook of hooks) {
    // apt keys hook options by the command's first word; two hooks sharing it share options.
    const tool = hook.command.trim().split(/\s+/)[0] ?? '';
    if (hook.version !== undefined) out.push([`DPkg::Tools::Options::${tool}::Version`, String(hook.version)]);
    if (hook.infoFd !== undefined) out.push([`DPkg::Tools::Options::${tool}::InfoFD`, String(hook.infoFd)]);
  }
  return out;
}

function renderOption(key: string, value: AptConfigValue): string {
  if (!CONFIG_KEY.test(key)) bad(`apt config key ${JSON.stringify(key)} is malformed`);
  const quote = (v: string): string => {
    if (/["\n\r]/.test(v)) bad(`apt config value for ${key} contains a quote or newline: ${JSON.stringify(v)}`);
    return `"${v}"`;
  };
  if (Array.isArray(value)) {
    // #clear first, so a list given here replaces a default instead of appending to it.
    return `#clear ${key};\n${key} { ${(value as readonly string[]).map((v) => `${quote(v)}; `).join('')}};\n`;
  }
  return `${key} ${quote(String(value))};\n`;
}

function checkSource(s: SourceEntry): void {
  for (const v of [s.uri, s.suite, ...s.components, s.signedBy ?? '', ...(s.architectures ?? [])]) {
    if (/[\s\]]/.test(v)) bad(`source entry value ${JSON.stringify(v)} contains whitespace or ']'`);
  }
  if (s.components.length === 0) bad(`source ${s.uri} needs at least one component`);
}

function renderDeb822(s: SourceEntry): string {
  checkSource(s);
  const lines = ['Types: deb', `URIs: ${s.uri}`, `Suites: ${s.suite}`, `Components: ${s.components.join(' ')}`];
  if (s.signedBy !== undefined) lines.push(`Signed-By: ${s.signedBy}`);
  if (s.trusted === true) lines.push('Trusted: yes');
  if (s.architectures !== undefined) lines.push(`Architectures: ${s.architectures.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function renderOneLine(s: SourceEntry): string {
  checkSource(s);
  const opts: string[] = [];
  if (s.signedBy !== undefined) opts.push(`signed-by=${s.signedBy}`);
  if (s.trusted === true) opts.push('trusted=yes');
  if (s.architectures !== undefined) opts.push(`arch=${s.architectures.join(',')}`);
  return `deb ${opts.length > 0 ? `[${opts.join(' ')}] ` : ''}${s.uri} ${s.suite} ${s.components.join(' ')}\n`;
}

function bad(message: string): never {
  throw new AptlabError('APTLAB_BAD_SPEC', message);
}
