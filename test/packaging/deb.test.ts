/**
 * The Debian package, built the way a packager builds it: `dpkg-buildpackage -us -uc -b`
 * in a copy of the working tree (scripts/build-deb.sh: tracked files plus untracked
 * ones git does not ignore, so it works before anything is committed). Then: the file
 * list, modes and symlinks, the conffiles and control fields; an install into a
 * throwaway root with dpkg itself (maintainer scripts included, run chrootless against
 * that root), the installed programs started from there, removal and purge; lintian.
 *
 * The build's `npm ci` runs with npm_config_offline=true against the npm cache the
 * project's own `npm ci` filled, so this needs no network. Skipped, saying so, when
 * dpkg-buildpackage is not installed; CI installs dpkg-dev, debhelper, help2man and
 * lintian. The install part needs root (dpkg and the postinst chown).
 */
import { spawnSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { runChecked, runCommand, sealedEnv, type CommandResult } from '../support/aptlab/index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HAVE_DPKG_BUILDPACKAGE = spawnSync('dpkg-buildpackage', ['--version'], { stdio: 'ignore' }).error === undefined;
const IS_ROOT = process.getuid?.() === 0;
const BUILD_TIMEOUT = 600_000;
const STEP_TIMEOUT = 120_000;

/** The uid the throwaway root's /etc/passwd gives _apt, unlike any uid of the host. */
const APT_UID = 4242;

/** Every non-directory the package ships, with its mode (files) or link target (symlinks). */
async function expectedContents(): Promise<Record<string, string>> {
  const examples = await readdir(path.join(REPO, 'policy-examples'));
  return {
    './etc/apt/apt.conf.d/10reprogate-pipeline': '-> /usr/share/reprogate/apt.conf.d/10reprogate-pipeline',
    './etc/apt/apt.conf.d/60reprogate': '-> /usr/share/reprogate/apt.conf.d/60reprogate',
    './etc/logrotate.d/reprogate': '-rw-r--r--',
    './etc/reprogate/policy.yaml': '-rw-r--r--',
    './usr/bin/reprogate': '-> ../lib/reprogate/reprogate.js',
    './usr/lib/apt/methods/reprogate+http': '-> ../../reprogate/apt-method',
    './usr/lib/apt/methods/reprogate+https': '-> ../../reprogate/apt-method',
    './usr/lib/reprogate/apt-method-gate.js': '-rw-r--r--',
    './usr/lib/reprogate/apt-method-gate.js.LEGAL.txt': '-rw-r--r--',
    './usr/lib/reprogate/apt-method-main.js': '-rw-r--r--',
    './usr/lib/reprogate/apt-method': '-rwxr-xr-x',
    './usr/lib/reprogate/apt-method.js': '-rwxr-xr-x',
    './usr/lib/reprogate/openpgp.js': '-rw-r--r--',
    './usr/lib/reprogate/openpgp.js.LEGAL.txt': '-rw-r--r--',
    './usr/lib/reprogate/pre-install-hook': '-> pre-install-hook.js',
    './usr/lib/reprogate/pre-install-hook.js': '-rwxr-xr-x',
    './usr/lib/reprogate/pre-install-hook.js.LEGAL.txt': '-rw-r--r--',
    './usr/lib/reprogate/reprogate.js': '-rwxr-xr-x',
    './usr/lib/reprogate/reprogate.js.LEGAL.txt': '-rw-r--r--',
    './usr/share/doc/reprogate/README.Debian': '-rw-r--r--',
    './usr/share/doc/reprogate/README.md.gz': '-rw-r--r--',
    './usr/share/doc/reprogate/changelog.gz': '-rw-r--r--',
    './usr/share/doc/reprogate/copyright': '-rw-r--r--',
    './usr/share/doc/reprogate/template-builds.md.gz': '-rw-r--r--',
    './usr/share/doc/reprogate/threat-model.md.gz': '-rw-r--r--',
    ...Object.fromEntries(examples.map((name) => [`./usr/share/doc/reprogate/examples/${name}`, '-rw-r--r--'])),
    './usr/share/lintian/overrides/reprogate': '-rw-r--r--',
    './usr/share/man/man1/reprogate.1.gz': '-rw-r--r--',
    './usr/share/reprogate/apt.conf.d/10reprogate-pipeline': '-rw-r--r--',
    './usr/share/reprogate/apt.conf.d/60reprogate': '-rw-r--r--',
    './usr/share/reprogate/policy.schema.json': '-rw-r--r--',
  };
}

interface Built {
  readonly work: string;
  readonly deb: string;
  readonly version: string;
  readonly env: Record<string, string>;
}

let built: Built | undefined;
const the = (): Built => {
  if (built === undefined) throw new Error('the package was not built');
  return built;
};

/** Whether anything, a dangling symlink included, is at `file`. */
const present = (file: string): Promise<boolean> => lstat(file).then(() => true, () => false);

function failure(what: string, result: CommandResult): Error {
  const output = `${result.stdout}\n${result.stderr}`.trim();
  return new Error(`${what} exited with ${result.code ?? result.signal}:\n${output.slice(-4000)}`);
}

/** dpkg-deb -c, as `./path` -> mode string or `-> target`, directories left out. */
function contentsOf(listing: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of listing.split('\n').filter((l) => l !== '')) {
    const match = /^(\S+) root\/root +\d+ \S+ \S+ (\.\/\S*?)(?: -> (.+))?$/.exec(line);
    expect(match, `unexpected dpkg-deb -c line (not root/root?): ${line}`).not.toBeNull();
    const [, mode, file, target] = match!;
    if (mode!.startsWith('d')) continue;
    entries[file!] = mode!.startsWith('l') ? `-> ${target}` : mode!;
  }
  return entries;
}

beforeAll(async () => {
  if (!HAVE_DPKG_BUILDPACKAGE) return;
  const work = await mkdtemp(path.join(tmpdir(), 'reprogate-deb-'));
  // The developer's or CI's npm cache, filled by the project's own `npm ci`; offline, so no network.
  const env = sealedEnv(work, {
    npm_config_cache: process.env['npm_config_cache'] ?? path.join(homedir(), '.npm'),
    npm_config_offline: 'true',
  });
  const result = await runCommand(path.join(REPO, 'scripts/build-deb.sh'), [path.join(work, 'out')], { env, timeoutMs: BUILD_TIMEOUT });
  if (result.code !== 0) throw failure('scripts/build-deb.sh', result);
  const deb = result.stdout.trim();
  const version = (await runChecked('dpkg-parsechangelog', ['--show-field', 'Version'], { cwd: REPO, env })).stdout.trim();
  expect(path.basename(deb)).toBe(`reprogate_${version}_all.deb`);
  built = { work, deb, version, env };
}, BUILD_TIMEOUT + 60_000);

afterAll(async () => {
  if (built !== undefined) await rm(built.work, { recursive: true, force: true });
});

describe('debian/copyright', () => {
  // esbuild bundles every runtime dependency into the shipped files, so each is
  // redistributed by the package and its licence must be declared.
  it('names every npm package bundled into the shipped files', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const copyright = await readFile(path.join(REPO, 'debian/copyright'), 'utf8');
    const names = Object.keys(manifest.dependencies ?? {});
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(copyright, name).toMatch(new RegExp(`^ {2}${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ :]`, 'm'));
  });
});

describe.skipIf(!HAVE_DPKG_BUILDPACKAGE)(
  HAVE_DPKG_BUILDPACKAGE ? 'the Debian package' : 'the Debian package (SKIPPED: dpkg-buildpackage is not installed; apt-get install dpkg-dev debhelper help2man lintian)',
  () => {
    it('is built as reprogate_<version>_all.deb, version from debian/changelog', async () => {
      expect((await stat(the().deb)).isFile()).toBe(true);
      const fields = (await runChecked('dpkg-deb', ['--field', the().deb, 'Package', 'Version', 'Architecture', 'Depends'], { env: the().env })).stdout;
      expect(fields).toContain('Package: reprogate\n');
      expect(fields).toContain(`Version: ${the().version}\n`);
      expect(fields).toContain('Architecture: all\n');
      const depends = /^Depends: (.*)$/m.exec(fields)?.[1]?.split(', ') ?? [];
      expect(depends).toEqual(expect.arrayContaining(['nodejs (>= 18.19)', 'apt (>= 2.6)']));
    });

    it('ships exactly the bundles, links, configuration and docs, with no node_modules', async () => {
      const listing = (await runChecked('dpkg-deb', ['--contents', the().deb], { env: the().env })).stdout;
      expect(listing).not.toMatch(/node_modules|\/dist\/|package\.json/);
      expect(contentsOf(listing)).toEqual(await expectedContents());
    });

    it('has two conffiles, the policy and the logrotate file; the apt.conf.d entry is a link that leaves with the package', async () => {
      const control = path.join(the().work, 'control');
      await runChecked('dpkg-deb', ['--control', the().deb, control], { env: the().env });
      expect(await readFile(path.join(control, 'conffiles'), 'utf8')).toBe('/etc/logrotate.d/reprogate\n/etc/reprogate/policy.yaml\n');
      expect((await readdir(control)).sort()).toEqual(['conffiles', 'control', 'md5sums', 'postinst', 'postrm', 'prerm']);
    });

    it('registers the hook as protocol version 3, sorting before 70debconf', async () => {
      const listing = (await runChecked('dpkg-deb', ['--contents', the().deb], { env: the().env })).stdout;
      const registered = Object.keys(contentsOf(listing)).filter((file) => file.startsWith('./etc/apt/apt.conf.d/'));
      expect(registered.sort()).toEqual(['./etc/apt/apt.conf.d/10reprogate-pipeline', './etc/apt/apt.conf.d/60reprogate']);
      // apt runs hooks in file name order (C collation); debconf's runs config scripts of unverified packages.
      expect(Buffer.compare(Buffer.from('60reprogate'), Buffer.from('70debconf'))).toBeLessThan(0);

      const extracted = path.join(the().work, 'extracted');
      await runChecked('dpkg-deb', ['--extract', the().deb, extracted], { env: the().env });
      const snippet = path.join(extracted, 'usr/share/reprogate/apt.conf.d/60reprogate');
      const dump = (await runChecked('apt-config', ['dump'], { env: { ...the().env, APT_CONFIG: snippet } })).stdout;
      expect(dump).toContain('DPkg::Pre-Install-Pkgs:: "/usr/lib/reprogate/pre-install-hook";\n');
      expect(dump).toContain('DPkg::Tools::Options::/usr/lib/reprogate/pre-install-hook::Version "3";\n');
    });

    it("deepens apt's download pipeline, early enough in apt.conf.d for an admin's own setting to win", async () => {
      const extracted = path.join(the().work, 'extracted-pipeline');
      await runChecked('dpkg-deb', ['--extract', the().deb, extracted], { env: the().env });
      // The package's apt.conf.d as apt reads it: its link pointing at the file it shipped.
      const parts = path.join(extracted, 'etc/apt/apt.conf.d');
      await rm(path.join(parts, '10reprogate-pipeline'));
      await symlink(path.join(extracted, 'usr/share/reprogate/apt.conf.d/10reprogate-pipeline'), path.join(parts, '10reprogate-pipeline'));
      const config = path.join(the().work, 'pipeline.conf');
      await writeFile(config, `Dir::Etc::parts "${parts}/";\nDir::Etc::main "/dev/null";\n`);
      const depth = async (): Promise<string> =>
        (await runChecked('apt-config', ['shell', 'D', 'Acquire::Max-Pipeline-Depth'], { env: { ...the().env, APT_CONFIG: config } })).stdout;
      expect(await depth()).toBe("D='64'\n");
      await writeFile(path.join(parts, '50local'), 'Acquire::Max-Pipeline-Depth "20";\n');
      expect(await depth()).toBe("D='20'\n");
    });

    it('passes lintian with no errors', async () => {
      const result = await runCommand('lintian', [the().deb], { env: the().env, timeoutMs: STEP_TIMEOUT });
      if (result.signal !== null) throw failure('lintian', result);
      const errors = result.stdout.split('\n').filter((line) => line.startsWith('E: '));
      expect(errors, result.stdout).toEqual([]);
    }, STEP_TIMEOUT);

    describe.skipIf(!IS_ROOT)(IS_ROOT ? 'installed by dpkg into a throwaway root' : 'installed by dpkg into a throwaway root (SKIPPED: needs root)', () => {
      /** An empty dpkg database, and an /etc/passwd when `aptUid` is given. */
      async function throwawayRoot(name: string, aptUid?: number): Promise<string> {
        const root = path.join(the().work, name);
        await mkdir(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
        await mkdir(path.join(root, 'var/lib/dpkg/updates'));
        await writeFile(path.join(root, 'var/lib/dpkg/status'), '');
        if (aptUid !== undefined) {
          await mkdir(path.join(root, 'etc'));
          await writeFile(path.join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\n_apt:x:${aptUid}:65534::/nonexistent:/usr/sbin/nologin\n`);
        }
        return root;
      }

      // Chrootless: the maintainer scripts run on the host with DPKG_ROOT set, so the
      // root needs no shell of its own; nodejs and apt are not in it, hence --force-depends.
      const dpkg = (root: string, ...args: string[]): Promise<CommandResult> =>
        runChecked('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-depends', ...args], { env: the().env, timeoutMs: STEP_TIMEOUT });

      async function ownerOf(file: string): Promise<{ uid: number; gid: number; mode: string }> {
        const s = await stat(file);
        return { uid: s.uid, gid: s.gid, mode: (s.mode & 0o7777).toString(8) };
      }

      it('creates the cache and log folders for _apt, runs from there, and is gone after remove and purge', async () => {
        const root = await throwawayRoot('root-with-apt', APT_UID);
        await dpkg(root, '--install', the().deb);
        for (const dir of ['var/cache/reprogate', 'var/log/reprogate']) {
          expect(await ownerOf(path.join(root, dir)), dir).toEqual({ uid: APT_UID, gid: 0, mode: '755' });
        }

        // Every link resolves inside the root (absolute targets are absolute within it).
        const links = Object.entries(await expectedContents()).filter(([, v]) => v.startsWith('-> '));
        for (const [file] of links) {
          const at = path.join(root, file);
          const target = await readlink(at);
          const resolved = path.isAbsolute(target) ? path.join(root, target) : path.join(path.dirname(at), target);
          expect((await stat(resolved)).isFile(), `${file} -> ${target}`).toBe(true);
        }

        // The installed files start with no node_modules anywhere above them.
        for (const scheme of ['reprogate+http', 'reprogate+https']) {
          const method = await runCommand(path.join(root, 'usr/lib/apt/methods', scheme), [], { env: the().env, input: '', timeoutMs: 30_000 });
          expect(method.stdout, `${scheme}: ${method.stderr}`).toMatch(/^100 Capabilities\n/);
        }
        const cli = await runChecked(path.join(root, 'usr/bin/reprogate'), ['--version'], { env: the().env, timeoutMs: 30_000 });
        expect(cli.stdout.trim()).toBe(the().version);
        // Input apt could not have written: the hook must start, say why and refuse (fail closed).
        const hook = await runCommand(path.join(root, 'usr/lib/reprogate/pre-install-hook'), [], { env: the().env, input: 'VERSION 3\n', timeoutMs: 30_000 });
        expect(hook.code, hook.stderr).not.toBe(0);
        expect(hook.stderr).toMatch(/^reprogate: /m);
        expect(hook.stderr).not.toMatch(/Cannot find module|node:internal/);

        // Removal takes the hook's registration with it (a conffile would stay and break
        // every later apt run), warns about sources still using our scheme, keeps the policy.
        await mkdir(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
        await writeFile(path.join(root, 'etc/apt/sources.list.d/debian.sources'), 'Types: deb\nURIs: reprogate+https://mirror.invalid/debian\n');
        const removal = await dpkg(root, '--remove', 'reprogate');
        expect(removal.stderr).toContain(path.join(root, 'etc/apt/sources.list.d/debian.sources'));
        expect(await present(path.join(root, 'etc/apt/apt.conf.d/60reprogate'))).toBe(false);
        expect(await present(path.join(root, 'etc/apt/apt.conf.d/10reprogate-pipeline'))).toBe(false);
        expect(await present(path.join(root, 'usr/lib/reprogate/pre-install-hook'))).toBe(false);
        expect(await present(path.join(root, 'etc/reprogate/policy.yaml'))).toBe(true);
        expect(await present(path.join(root, 'var/cache/reprogate'))).toBe(true);

        await dpkg(root, '--purge', 'reprogate');
        for (const gone of ['etc/reprogate', 'var/cache/reprogate', 'var/log/reprogate']) {
          expect(await present(path.join(root, gone)), gone).toBe(false);
        }
      }, STEP_TIMEOUT);

      it('gives the folders to root where there is no _apt user', async () => {
        const root = await throwawayRoot('root-without-apt');
        await dpkg(root, '--install', the().deb);
        for (const dir of ['var/cache/reprogate', 'var/log/reprogate']) {
          expect(await ownerOf(path.join(root, dir)), dir).toEqual({ uid: 0, gid: 0, mode: '755' });
        }
      }, STEP_TIMEOUT);

      it('rotates the decision log as _apt with its logrotate file, leaving the next file to the next decision', async () => {
        const extracted = path.join(the().work, 'extracted-logrotate');
        await runChecked('dpkg-deb', ['--extract', the().deb, extracted], { env: the().env });
        const shipped = await readFile(path.join(extracted, 'etc/logrotate.d/reprogate'), 'utf8');
        // A folder standing in for /var/log/reprogate, owned as the postinst leaves it.
        const apt = Number((await runChecked('id', ['-u', '_apt'], { env: the().env })).stdout.trim());
        // Reachable by _apt, as /var/log is: logrotate works in it as _apt.
        const top = await mkdtemp(path.join(tmpdir(), 'reprogate-logrotate-'));
        onTestFinished(() => rm(top, { recursive: true, force: true }));
        await chmod(top, 0o755);
        const logDir = path.join(top, 'var-log-reprogate');
        await mkdir(logDir, { mode: 0o755 });
        await chown(logDir, apt, 0);
        const config = path.join(the().work, 'logrotate.conf');
        const moved = shipped.replaceAll('/var/log/reprogate/', `${logDir}/`);
        expect(moved).not.toBe(shipped);
        await writeFile(config, moved, { mode: 0o644 });
        const log = path.join(logDir, 'decisions.jsonl');
        const decide = async (line: string): Promise<void> => {
          await writeFile(log, `${line}\n`, { flag: 'a', mode: 0o644 });
          await chown(log, apt, 0);
        };
        const rotate = () => runChecked('logrotate', ['--force', '--state', path.join(the().work, 'logrotate.state'), config], { env: the().env, timeoutMs: STEP_TIMEOUT });

        await decide('{"code":"ACCEPTED","n":1}');
        await rotate();
        expect((await readdir(logDir)).sort()).toEqual(['decisions.jsonl.1']);
        expect(await readFile(path.join(logDir, 'decisions.jsonl.1'), 'utf8')).toBe('{"code":"ACCEPTED","n":1}\n');
        await decide('{"code":"ACCEPTED","n":2}');
        await rotate();
        expect((await readdir(logDir)).sort()).toEqual(['decisions.jsonl.1', 'decisions.jsonl.2.gz']);
        for (const file of await readdir(logDir)) expect((await stat(path.join(logDir, file))).uid, file).toBe(apt);
      }, STEP_TIMEOUT);
    });
  },
);
