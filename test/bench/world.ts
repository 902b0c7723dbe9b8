/**
 * The loopback world a benchmark downloads from: packages in a signed repository
 * behind a static server, rebuilders (rebuilderd v1 API and a sources tree on each)
 * that attest every package with their own ed25519 key and answer after a chosen
 * delay, a policy naming them, and apt roots for plain `http` and for
 * `reprogate+http` with a cache and decision log `_apt` may write.
 *
 * Each rebuilder serves the same attestation two ways, as the real ones do:
 * rebuilderd's (instance and worker signatures) through its v1 API, and a one-key
 * in-toto link under `sources/<name>/<version>/metadata`, the tree Debian's
 * apt-transport-in-toto reads.
 *
 * Does not time anything (downloads.ts does) and touches nothing outside the lab.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { setAside } from './set-aside.js';
import {
  buildDebs,
  buildRepository,
  createAptRoot,
  createSigningKey,
  makeDir,
  serveStatic,
  sourceFor,
  type AptConfigValue,
  type AptRoot,
  type BuiltDeb,
  type DebSpec,
  type Lab,
  type Repository,
  type StaticServer,
} from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock, type TestSigner } from '../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../support/rebuilder-server.js';

export interface Mirror {
  readonly debs: readonly BuiltDeb[];
  readonly repository: Repository;
  readonly server: StaticServer;
}

/**
 * Build the packages and serve them from a signed repository on 127.0.0.1. Their
 * control members are Debian's (control.tar.xz with md5sums): reading a package's
 * identity through our xz decoder costs several times what gzip would.
 */
export async function startMirror(lab: Lab, name: string, specs: readonly DebSpec[]): Promise<Mirror> {
  const debs = await buildDebs(lab.path(name, 'debs'), specs, { builder: 'node', control: 'debian' });
  const key = await createSigningKey(lab.path(name, 'key'));
  lab.defer(() => key.close());
  const repository = await buildRepository(lab.path(name, 'repo'), debs, { suite: 'bench', component: 'main', signWith: key });
  // The pool holds hard links: the build copies are not needed any more.
  await rm(lab.path(name, 'debs'), { recursive: true, force: true });
  const server = await serveStatic(repository.root);
  lab.defer(() => server.close());
  return { debs, repository, server };
}

export interface FarmRebuilder {
  /** The policy name (also the operator: every rebuilder is independent). */
  readonly name: string;
  readonly server: RebuilderServer;
  /** Signs rebuilderd attestations as the instance and sources-tree links alone. */
  readonly key: TestSigner;
}

export type RebuilderApi = 'rebuilderd' | 'sources';

export interface RebuilderFarm {
  readonly rebuilders: readonly FarmRebuilder[];
  /** Every rebuilder attests every package (both APIs). */
  attest(debs: readonly BuiltDeb[]): void;
  /** What each rebuilder's rebuilderd API serves for `deb`, to write cache entries directly. */
  attestationsFor(deb: BuiltDeb): { rebuilder: string; url: string; bytes: Buffer }[];
  /** Every response waits this long first (0: none). */
  setLatency(ms: number): void;
  /** Every request fails with this HTTP status (to prove nobody asks). */
  refuseAll(status: number): void;
  /** A policy file with the rebuilders' keys beside it; returns its path. */
  writePolicy(dir: string, api: RebuilderApi, threshold: number): Promise<string>;
}

export async function startRebuilderFarm(lab: Lab, count: number): Promise<RebuilderFarm> {
  const rebuilders: FarmRebuilder[] = [];
  for (let i = 1; i <= count; i++) {
    const key = makeSigner('ed25519');
    const server = await startRebuilderServer({ publicKeys: [key.rebuilderdPem] });
    lab.defer(() => server.close());
    rebuilders.push({ name: `rebuilder${i}`, server, key });
  }
  // One worker key per rebuilder: rebuilderd signs with the worker first, then the instance.
  const workers = new Map(rebuilders.map((r) => [r.name, makeSigner('ed25519')]));
  const documents = new Map<string, { rebuilder: string; url: string; bytes: Buffer }[]>();

  return {
    rebuilders,
    attest(debs) {
      for (const deb of debs) {
        const { name, version, architecture } = deb.spec;
        const served: { rebuilder: string; url: string; bytes: Buffer }[] = [];
        for (const r of rebuilders) {
          const attestation = rebuilderdAttestation(deb.fileName, deb.sha256, r.key, workers.get(r.name));
          const added = r.server.addPackage({ name, version, architecture, attestations: [attestation] });
          served.push({ rebuilder: r.name, url: `${r.server.url}api/v1/builds/${added.buildId}/artifacts/${added.artifactIds[0]}/attestation`, bytes: attestation });
          r.server.addSourcesMetadata(name, version, signMetablock(linkBody({ name: 'rebuild', products: { [deb.fileName]: deb.sha256 } }), [r.key]));
        }
        documents.set(deb.sha256, served);
      }
    },
    attestationsFor(deb) {
      const served = documents.get(deb.sha256);
      if (served === undefined) throw new Error(`${deb.fileName} was never attested`);
      return served;
    },
    setLatency(ms) {
      for (const r of rebuilders) {
        r.server.clearFaults();
        if (ms > 0) r.server.fault(/.*/, { kind: 'delay', ms });
      }
    },
    refuseAll(status) {
      for (const r of rebuilders) {
        r.server.clearFaults();
        r.server.fault(/.*/, { kind: 'status', status });
      }
    },
    async writePolicy(dir, api, threshold) {
      await makeDir(join(dir, 'keys'));
      const lines = ['version: 1', `threshold: ${threshold}`, 'rebuilders:'];
      for (const r of rebuilders) {
        // rebuilderd publishes PEM; package-rebuilder trees are read with securesystemslib key files.
        const file = api === 'rebuilderd' ? `keys/${r.name}.pem` : `keys/${r.name}.pub`;
        await writeFile(join(dir, file), api === 'rebuilderd' ? r.key.rebuilderdPem : r.key.sslibJson, { mode: 0o644 });
        lines.push(`  - { name: ${r.name}, type: ${api}, url: "${r.server.url}", keys: [${file}] }`);
      }
      const path = join(dir, 'policy.yaml');
      await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o644 });
      return path;
    },
  };
}

/** The sandbox user apt drops its methods to, and the method drops itself to. */
export async function sandboxUser(name = '_apt'): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no user ${name} in /etc/passwd: is apt installed?`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** A folder the method, running as `_apt`, may write. */
export async function sandboxWritableDir(path: string): Promise<string> {
  const user = await sandboxUser();
  await makeDir(path);
  await chown(path, user.uid, user.gid);
  return path;
}

export interface MethodRoot {
  readonly root: AptRoot;
  readonly policy: string;
  readonly cacheDir: string;
  readonly logFile: string;
  /** Empty the attestation cache and the decision log (a first run on a fresh machine). */
  reset(): Promise<void>;
}

export const METHOD_SCHEME = 'reprogate+http';

/**
 * An apt root that downloads from `mirror` through our method (`ctx.method`), set up
 * as installing the package sets a machine up: its apt.conf.d files, a cache and log
 * `_apt` may write, and the run's extra options.
 */
export async function createMethodRoot(
  dir: string,
  mirror: Mirror,
  ctx: Pick<BenchContext, 'method' | 'aptConfig' | 'packageConfParts'>,
  policy: string,
): Promise<MethodRoot> {
  const state = await makeDir(join(dir, 'state'));
  const cacheDir = await sandboxWritableDir(join(state, 'cache'));
  const logDir = await sandboxWritableDir(join(state, 'log'));
  const logFile = join(logDir, 'decisions.jsonl');
  const root = await createAptRoot(join(dir, 'root'), {
    // The mirror is http://…, so prefixing `reprogate+` gives the method's scheme.
    sources: [sourceFor(mirror.repository, `reprogate+${mirror.server.url}/`)],
    methods: { [METHOD_SCHEME]: ctx.method },
    config: { 'Reprogate::Policy': policy, 'Reprogate::Cache': cacheDir, 'Reprogate::Log': logFile, ...ctx.aptConfig },
    confParts: ctx.packageConfParts,
  });
  return {
    root,
    policy,
    cacheDir,
    logFile,
    async reset() {
      const leftovers = [...(await readdir(cacheDir)).map((entry) => join(cacheDir, entry)), ...(existsSync(logFile) ? [logFile] : [])];
      await setAside(leftovers, join(dir, 'spent'));
    },
  };
}

/** An apt root that downloads from `mirror` with apt's own http method. */
export function createPlainRoot(dir: string, mirror: Mirror, config: Readonly<Record<string, AptConfigValue>> = {}): Promise<AptRoot> {
  return createAptRoot(join(dir, 'root'), { sources: [sourceFor(mirror.repository, `${mirror.server.url}/`)], config });
}
