/**
 * A small loopback world in which the built reprogate runs under the real apt:
 * a signed repository on 127.0.0.1, one rebuilderd instance per rebuilder (each
 * its own operator, signing attestations in-process the way rebuilderd does), a
 * policy pinning their keys, the state folders for the attestation cache and the
 * decision log, and a throwaway apt root whose `reprogate+http` is
 * `dist/apt-method` and, when asked, whose `DPkg::Pre-Install-Pkgs` runs
 * `dist/pre-install-hook.js` with protocol version 3.
 *
 * Shared by `npm run demo` (scripts/demo.ts) and test/e2e/hook.test.ts. The
 * checkout is a parameter rather than derived from `import.meta.url`, because the
 * demo runs as a bundle from node_modules/.cache, where that URL does not point
 * into test/support.
 *
 * Ownership mirrors the Debian package: as root, the cache and log folders belong
 * to `_apt`, the user apt's sandbox runs the method as, so the method can write
 * them and the root-run hook reads what the method left there.
 *
 * Deliberately not here: assertions and printing (the test and the demo decide).
 */
import { chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from '../../src/verify/index.js';
import {
  buildDeb,
  buildDebs,
  buildRepository,
  createAptRoot,
  createLab,
  createSigningKey,
  makeDir,
  runApt,
  runChecked,
  runCommand,
  sealedEnv,
  serveStatic,
  sourceFor,
  type AptRoot,
  type BuiltDeb,
  type CommandResult,
  type DebSpec,
  type Lab,
  type LabOptions,
  type Repository,
  type StaticServer,
} from './aptlab/index.js';
import { makeSigner, rebuilderdAttestation, type TestSigner } from './intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from './rebuilder-server.js';

export interface WorldRebuilder {
  /** The rebuilder's name in the policy and in apt's messages. */
  readonly name: string;
  /** Its independence group (default: the name). */
  readonly operator?: string;
}

export interface WorldOptions {
  /** The checkout whose `dist/` holds the built method, hook and CLI (`npm run build`). */
  readonly checkout: string;
  /** Packages published in the signed repository. */
  readonly packages: readonly DebSpec[];
  readonly rebuilders: readonly WorldRebuilder[];
  /** The policy's default threshold (distinct operators). */
  readonly threshold: number;
  /** YAML items for the policy's `rules:`, each a line starting with `  - `. */
  readonly rules?: readonly string[];
  /** Register the built hook as apt's `DPkg::Pre-Install-Pkgs` (protocol version 3). */
  readonly hook?: boolean;
  readonly lab?: LabOptions;
}

export interface World {
  readonly lab: Lab;
  readonly root: AptRoot;
  readonly repository: Repository;
  readonly repositoryServer: StaticServer;
  /** The published packages, by package name. */
  readonly debs: ReadonlyMap<string, BuiltDeb>;
  /** The rebuilderd instances, by rebuilder name (request logs, faults). */
  readonly rebuilders: ReadonlyMap<string, RebuilderServer>;
  readonly policyFile: string;
  readonly cacheDir: string;
  readonly logFile: string;
  /** The hook's command line as registered with apt, when `hook` was asked for. */
  readonly hookCommand: string | undefined;
  /** Make `rebuilder` publish a signed attestation that it reproduced `deb` (its exact sha256). */
  attest(rebuilder: string, deb: BuiltDeb): void;
  /** Build a .deb outside the repository, in apt-get's working directory, so `./<fileName>` names it. */
  buildLocalDeb(spec: DebSpec): Promise<BuiltDeb>;
  /** Real apt-get in the throwaway root (non-zero exits are results). */
  apt(args: readonly string[]): Promise<CommandResult>;
  /** The built CLI, reading the root's apt configuration (so the policy, cache and log are the world's). */
  reprogate(args: readonly string[]): Promise<CommandResult>;
  /** Every Verdict in the decision log, oldest first. */
  decisions(): Promise<Verdict[]>;
  /** The package's `Status:` in the root's dpkg database, or undefined if dpkg never recorded it. */
  dpkgStatus(name: string): Promise<string | undefined>;
  /** Stop every server and remove the lab. */
  close(): Promise<void>;
}

export function builtFiles(checkout: string): { method: string; hook: string; cli: string } {
  return {
    method: join(checkout, 'dist/apt-method'),
    hook: join(checkout, 'dist/pre-install-hook.js'),
    cli: join(checkout, 'dist/reprogate.js'),
  };
}

export async function createWorld(options: WorldOptions): Promise<World> {
  const built = builtFiles(options.checkout);
  const lab = await createLab(options.lab);
  try {
    const debList = await buildDebs(lab.path('debs'), options.packages);
    const key = await createSigningKey(lab.path('repo-key'));
    lab.defer(() => key.close());
    const repository = await buildRepository(lab.path('repo'), debList, { suite: 'stable', component: 'main', signWith: key });
    const repositoryServer = await serveStatic(repository.root);
    lab.defer(() => repositoryServer.close());

    const keysDir = await makeDir(lab.path('keys'));
    const rebuilders = new Map<string, RebuilderServer>();
    const signers = new Map<string, TestSigner>();
    const policyRebuilders: string[] = [];
    for (const r of options.rebuilders) {
      const signer = makeSigner();
      const server = await startRebuilderServer({ publicKeys: [signer.rebuilderdPem] });
      lab.defer(() => server.close());
      const keyFile = join(keysDir, `${r.name}.pem`);
      await writeFile(keyFile, signer.rebuilderdPem, { mode: 0o644 });
      rebuilders.set(r.name, server);
      signers.set(r.name, signer);
      policyRebuilders.push(
        `  - { name: ${r.name}, operator: ${r.operator ?? r.name}, type: rebuilderd, url: "${server.url}", keys: ["${keyFile}"] }`,
      );
    }

    const policyFile = lab.path('policy.yaml');
    const rules = options.rules ?? [];
    await writeFile(
      policyFile,
      [
        'version: 1',
        'mode: enforce',
        `threshold: ${options.threshold}`,
        'on-conflict: refuse',
        'rebuilders:',
        ...policyRebuilders,
        ...(rules.length > 0 ? ['rules:', ...rules] : []),
        '',
      ].join('\n'),
      { mode: 0o644 },
    );

    const cacheDir = await sandboxOwnedDir(lab, lab.path('state/cache'));
    const logFile = join(await sandboxOwnedDir(lab, lab.path('state/log')), 'decisions.jsonl');

    const hookCommand = options.hook === true ? `${process.execPath} ${built.hook}` : undefined;
    if (hookCommand !== undefined && /\s/.test(`${process.execPath}${built.hook}`)) {
      throw new Error(`the hook command ${JSON.stringify(hookCommand)} would be split by /bin/sh: use paths without spaces`);
    }
    const root = await createAptRoot(lab.path('root'), {
      sources: [sourceFor(repository, `reprogate+${repositoryServer.url}/`)],
      methods: { 'reprogate+http': built.method },
      config: { 'Reprogate::Policy': policyFile, 'Reprogate::Cache': cacheDir, 'Reprogate::Log': logFile },
      // apt keys DPkg::Tools::Options by the command's first word (here Node itself,
      // apt-pkg/deb/dpkgpm.cc RunScriptsWithPkgs); aptlab derives the key the same way.
      ...(hookCommand !== undefined ? { hooks: { preInstallPkgs: [{ command: hookCommand, version: 3 }] } } : {}),
    });

    return {
      lab,
      root,
      repository,
      repositoryServer,
      debs: new Map(debList.map((d) => [d.spec.name, d])),
      rebuilders,
      policyFile,
      cacheDir,
      logFile,
      hookCommand,
      attest(rebuilder, deb) {
        const server = rebuilders.get(rebuilder);
        const signer = signers.get(rebuilder);
        if (server === undefined || signer === undefined) throw new Error(`no rebuilder named ${rebuilder} in this world`);
        const { name, version, architecture } = deb.spec;
        server.addPackage({ name, version, architecture, attestations: [rebuilderdAttestation(deb.fileName, deb.sha256, signer)] });
      },
      buildLocalDeb: (spec) => buildDeb(root.tmpDir, spec),
      apt: (args) => runApt(root, args),
      reprogate: (args) =>
        runCommand(process.execPath, [built.cli, ...args], {
          env: sealedEnv(root.tmpDir, { APT_CONFIG: root.configPath }),
          cwd: root.tmpDir,
          timeoutMs: 60_000,
        }),
      decisions: () => readDecisions(logFile),
      dpkgStatus: async (name) => statusOf(await readFile(root.statusFile, 'utf8'), name),
      close: () => lab.close(),
    };
  } catch (e) {
    await lab.close();
    throw e;
  }
}

/**
 * A folder the method can write: as root, apt's sandbox runs it as `_apt`, so the
 * folder is handed to `_apt` as the Debian package does for /var/cache/reprogate.
 */
async function sandboxOwnedDir(lab: Lab, path: string): Promise<string> {
  await makeDir(path);
  if (process.getuid?.() !== 0) return path;
  const env = sealedEnv(lab.dir);
  const id = async (flag: string) => Number((await runChecked('id', [flag, '_apt'], { env })).stdout.trim());
  await chown(path, await id('-u'), await id('-g'));
  return path;
}

async function readDecisions(file: string): Promise<Verdict[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Verdict);
}

/** The `Status:` of one package in a dpkg status file (stanzas separated by blank lines). */
function statusOf(statusFile: string, name: string): string | undefined {
  for (const stanza of statusFile.split(/\n\n+/)) {
    if (new RegExp(`^Package: ${name.replace(/[.+]/g, '\\$&')}$`, 'm').test(stanza)) {
      return /^Status: (.*)$/m.exec(stanza)?.[1];
    }
  }
  return undefined;
}
