/**
 * The loopback world the apt-method e2e test (test/e2e/method.test.ts) runs in:
 * the bundled method installed as `reprogate+http` and `reprogate+https` in a
 * throwaway apt root, three rebuilders with their keys pinned in a policy, and
 * the state folder the method writes its cache and decision log to.
 *
 * The three rebuilders, as the policy names them:
 *   - `debian`: the rebuilderd v1 API; attestations signed in-process the way
 *     rebuilderd signs them (instance key published as PEM);
 *   - `notset`: a package-rebuilder `sources` tree; for the interop fixture `foo`
 *     it serves the link Debian's `in-toto-run --gpg` made (RSA signing subkey),
 *     for everything else links signed in-process with its own ed25519 key;
 *   - `third`: another `sources` tree; the fixture link `in-toto-run` made with a
 *     securesystemslib ed25519 key, plus in-process links for the rest.
 *
 * Rebuilders listen on ephemeral ports, over http or https. For the Qubes flow,
 * where tinyproxy only tunnels to port 443, each one gets a fixed `host:443`:
 * rebuilder-server.ts cannot take a port, so a TLS front (serveStatic with
 * `allowOnlyFrom`) listens there and forwards to the rebuilder, whose own
 * address accepts only the front.
 *
 * Deliberately not here: assertions, and anything apt-specific beyond building
 * the root (test/support/aptlab does that part).
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createAptRoot,
  hashFile,
  makeDir,
  runChecked,
  sealedEnv,
  serveStatic,
  sourceFor,
  type AptConfigValue,
  type AptRoot,
  type BuiltDeb,
  type Lab,
  type Repository,
  type ServerCertificate,
  type StaticServer,
} from './aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock, type TestSigner } from './intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from './rebuilder-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTORS = join(ROOT, 'test/vectors/in-toto-run');

/** The bundled method `npm run build` writes; apt runs it through the methods-dir links. */
export const METHOD = join(ROOT, 'dist/apt-method');
/** The same method as a Node program (`#!/usr/bin/env node`), for who links that instead. */
export const METHOD_NODE = join(ROOT, 'dist/apt-method.js');

/** Fails with the one thing to do when the bundle is missing (the test script builds it first). */
export function requireBuiltMethod(): void {
  if (!existsSync(METHOD)) {
    throw new Error(`${METHOD} is missing: run \`npm run build\` first (\`npm test\` in .ci/run does)`);
  }
}

/** The interop fixture made by generate.sh: foo 1.0-1 amd64, byte-reproducible. */
export async function fixtureDeb(dir: string): Promise<BuiltDeb> {
  await makeDir(dir);
  const path = join(dir, 'foo_1.0-1_amd64.deb');
  // A copy, not a link: the repository hard-links pool files, and nothing may reach the committed fixture.
  await copyFile(join(VECTORS, 'artifacts/foo_1.0-1_amd64.deb'), path);
  const fields = (await runChecked('dpkg-deb', ['--field', path], { env: sealedEnv(dir) })).stdout;
  const control: Array<readonly [string, string]> = [];
  for (const line of fields.split('\n')) {
    if (line === '') continue;
    const last = control.at(-1);
    if (/^\s/.test(line) && last !== undefined) {
      control[control.length - 1] = [last[0], `${last[1]}\n${line}`];
      continue;
    }
    const colon = line.indexOf(':');
    control.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const hashes = await hashFile(path);
  return {
    spec: { name: 'foo', version: '1.0-1', architecture: 'amd64' },
    path,
    fileName: 'foo_1.0-1_amd64.deb',
    control,
    source: { name: 'foo', version: '1.0-1' },
    ...hashes,
  };
}

export type RebuilderName = 'debian' | 'notset' | 'third';
export const REBUILDER_NAMES: readonly RebuilderName[] = ['debian', 'notset', 'third'];

export interface AttestOptions {
  /** The sha256 the rebuilder signs for the package's file name (default: the package's own). */
  readonly sha256?: string;
  /**
   * For `sources` trees: file the link under the binary's name and version (default),
   * or only under its source package's, as package-rebuilder does for binNMUs.
   */
  readonly filedUnder?: 'binary' | 'source';
}

export interface Rebuilders {
  /** Base URL of each rebuilder as the policy names it (the front, when fronted). */
  readonly urls: Readonly<Record<RebuilderName, string>>;
  /** The rebuilder servers themselves (request logs, faults). */
  readonly servers: Readonly<Record<RebuilderName, RebuilderServer>>;
  /** The TLS fronts on fixed addresses, when asked for. */
  readonly fronts: Readonly<Partial<Record<RebuilderName, StaticServer>>>;
  /** Key files for the policy, written under `dir/keys/`. */
  readonly keyFiles: Readonly<Record<RebuilderName, readonly string[]>>;
  /** Make `who` attest that it rebuilt `deb` (or signed `options.sha256` for its file name). */
  attest(who: RebuilderName, deb: BuiltDeb, options?: AttestOptions): void;
  /** Serve the links Debian's in-toto-run made for the fixture `foo` (notset: GPG subkey, third: ed25519). */
  attestFixture(): Promise<void>;
}

export interface RebuildersOptions {
  /** Serve https with this certificate (its SANs must cover the hosts used). */
  readonly tls?: ServerCertificate;
  /**
   * Listen on `<host>:<port>` per rebuilder (Qubes: 443), through a TLS front that
   * accepts connections from `allowOnlyFrom` only. Needs `tls`.
   */
  readonly fixed?: {
    readonly hosts: Readonly<Record<RebuilderName, string>>;
    readonly port: number;
    readonly allowOnlyFrom: string;
  };
}

/**
 * The address fronts connect to their rebuilders from, and the only one those
 * rebuilders accept: nothing else on the machine can reach them directly.
 */
const FRONT_SOURCE = '127.0.0.9';
const BACKEND_HOST = '127.0.0.8';

export async function startRebuilders(lab: Lab, dir: string, options: RebuildersOptions = {}): Promise<Rebuilders> {
  const keysDir = await makeDir(join(dir, 'keys'));
  const instance = makeSigner();
  const local: Record<RebuilderName, TestSigner> = { debian: instance, notset: makeSigner(), third: makeSigner() };

  const servers = {} as Record<RebuilderName, RebuilderServer>;
  const fronts: Partial<Record<RebuilderName, StaticServer>> = {};
  const urls = {} as Record<RebuilderName, string>;
  for (const name of REBUILDER_NAMES) {
    const publicKeys = name === 'debian' ? { publicKeys: [instance.rebuilderdPem] } : {};
    const fixed = options.fixed;
    if (fixed === undefined) {
      const server = await startRebuilderServer({ ...publicKeys, ...(options.tls ? { tls: options.tls } : {}) });
      lab.defer(() => server.close());
      servers[name] = server;
      urls[name] = server.url;
      continue;
    }
    if (options.tls === undefined) throw new Error('startRebuilders: fixed addresses need tls (Qubes tunnels https only)');
    const server = await startRebuilderServer({ ...publicKeys, host: BACKEND_HOST, allowOnlyFrom: FRONT_SOURCE });
    lab.defer(() => server.close());
    const front = await serveStatic(await makeDir(join(dir, 'empty')), {
      tls: options.tls,
      host: fixed.hosts[name],
      port: fixed.port,
      allowOnlyFrom: fixed.allowOnlyFrom,
      onRequest: (req, res) => forward(req, res, server.port),
    });
    lab.defer(() => front.close());
    servers[name] = server;
    fronts[name] = front;
    urls[name] = `${front.url}/`;
  }

  const keyFiles: Record<RebuilderName, string[]> = { debian: [], notset: [], third: [] };
  const writeKey = async (name: RebuilderName, file: string, text: string | Buffer): Promise<void> => {
    const path = join(keysDir, file);
    await writeFile(path, text, { mode: 0o644 });
    keyFiles[name].push(path);
  };
  await writeKey('debian', 'debian.pem', instance.rebuilderdPem);
  await writeKey('notset', 'notset-fixture.asc', await readFile(join(VECTORS, 'keys/gpg-rsa-subkey.asc')));
  await writeKey('notset', 'notset.pub', local.notset.sslibJson);
  await writeKey('third', 'third-fixture.pub', await readFile(join(VECTORS, 'keys/ed25519.pub')));
  await writeKey('third', 'third.pub', local.third.sslibJson);

  return {
    urls,
    servers,
    fronts,
    keyFiles,
    attest(who, deb, attestOptions = {}) {
      const sha256 = attestOptions.sha256 ?? deb.sha256;
      const { name, version, architecture } = deb.spec;
      if (who === 'debian') {
        servers.debian.addPackage({ name, version, architecture, attestations: [rebuilderdAttestation(deb.fileName, sha256, instance)] });
        return;
      }
      const link = signMetablock(linkBody({ name: 'rebuild', products: { [deb.fileName]: sha256 } }), [local[who]]);
      const [fileAs, versionAs] = attestOptions.filedUnder === 'source' ? [deb.source.name, deb.source.version] : [name, version];
      servers[who].addSourcesMetadata(fileAs, versionAs, link);
    },
    async attestFixture() {
      servers.notset.addSourcesMetadata('foo', '1.0-1', await readFile(join(VECTORS, 'links/gpg-rsa-subkey.link')));
      servers.third.addSourcesMetadata('foo', '1.0-1', await readFile(join(VECTORS, 'links/ed25519.link')));
    },
  };
}

/** Relays one request to the rebuilder at BACKEND_HOST:port, from FRONT_SOURCE. */
function forward(req: IncomingMessage, res: ServerResponse, port: number): boolean {
  const upstream = httpRequest(
    { host: BACKEND_HOST, port, localAddress: FRONT_SOURCE, method: req.method, path: req.url, headers: req.headers, agent: false },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
  return true;
}

export interface PolicyOptions {
  readonly mode?: 'enforce' | 'audit';
  readonly threshold: number;
  /** YAML lines for `rules:` items, already indented by two spaces (e.g. `  - match: …`). */
  readonly rules?: readonly string[];
}

/** Writes `file`: the three rebuilders with their pinned keys, one operator each. */
export async function writePolicy(file: string, rebuilders: Rebuilders, options: PolicyOptions): Promise<string> {
  const lines = [
    'version: 1',
    `mode: ${options.mode ?? 'enforce'}`,
    `threshold: ${options.threshold}`,
    'on-conflict: refuse',
    'rebuilders:',
    ...REBUILDER_NAMES.map(
      (name) =>
        `  - { name: ${name}, type: ${name === 'debian' ? 'rebuilderd' : 'sources'}, url: "${rebuilders.urls[name]}", ` +
        `keys: [${rebuilders.keyFiles[name].map((k) => `"${k}"`).join(', ')}] }`,
    ),
    ...(options.rules && options.rules.length > 0 ? ['rules:', ...options.rules] : []),
    '',
  ];
  await writeFile(file, lines.join('\n'), { mode: 0o644 });
  return file;
}

export interface MethodRootOptions {
  readonly repository: Repository;
  /** Source URI, e.g. `reprogate+http://127.0.0.1:34567/`. */
  readonly uri: string;
  readonly policy: string;
  /** Folder for the cache and the decision log; see `makeStateDir`. */
  readonly state: string;
  readonly config?: Readonly<Record<string, AptConfigValue>>;
  /** What the methods-dir links point at (default: METHOD, the shell launcher). */
  readonly method?: string;
}

export interface MethodRoot extends AptRoot {
  /** The decision log the method appends to (`Reprogate::Log`). */
  readonly logFile: string;
}

/** A throwaway apt root whose `reprogate+http` and `reprogate+https` are the built method. */
export async function createMethodRoot(dir: string, options: MethodRootOptions): Promise<MethodRoot> {
  const logFile = join(options.state, 'decisions.jsonl');
  const root = await createAptRoot(dir, {
    sources: [sourceFor(options.repository, options.uri)],
    methods: { 'reprogate+http': options.method ?? METHOD, 'reprogate+https': options.method ?? METHOD },
    config: {
      'Reprogate::Policy': options.policy,
      'Reprogate::Cache': join(options.state, 'cache'),
      'Reprogate::Log': logFile,
      ...options.config,
    },
  });
  return { ...root, logFile };
}

/**
 * The method's state folder: mode 0777 and owned by root, so that who created a
 * file in it shows who ran. `_apt` creates files it owns; root, creating the
 * decision log, hands it to the folder's owner (root). Not sticky: with a sticky
 * folder, `fs.protected_regular` would stop root appending to `_apt`'s files.
 */
export async function makeStateDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await chmod(path, 0o777);
  return path;
}

/** The uid apt's sandbox user has on this machine. */
export async function aptUserId(dir: string): Promise<number> {
  return Number((await runChecked('id', ['-u', '_apt'], { env: sealedEnv(dir) })).stdout.trim());
}

/** What the tests read from a decision-log record (a Verdict as JSON). */
export interface DecisionRecord {
  readonly code: string;
  readonly accepted: boolean;
  readonly enforced: boolean;
  readonly package: { readonly name: string; readonly version: string; readonly architecture: string; readonly sha256: string; readonly origin?: string };
  readonly agreeingOperators: readonly string[];
  readonly threshold: number;
  readonly rebuilders: ReadonlyArray<{ readonly rebuilder: string; readonly status: string; readonly code: string; readonly reason: string }>;
}

/** Every record of the decision log, oldest first; none when it does not exist yet. */
export async function readDecisions(file: string): Promise<DecisionRecord[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DecisionRecord);
}

/** Where apt leaves a package in archives/: the epoch kept, its colon escaped as %3a. */
export function archiveName(deb: BuiltDeb): string {
  const { name, version, architecture } = deb.spec;
  return `${name}_${version.replace(':', '%3a')}_${architecture}.deb`;
}
