/**
 * Micro benchmarks of the costs every package pays, in-process through
 * src/in-toto exactly as the method calls it: verifying one rebuilder's link
 * (parse, check the signature against the trusted key, find the .deb's digest)
 * signed with ed25519 and with a GPG RSA-4096 key by Debian's `in-toto-run --gpg`;
 * canonical JSON of a rebuilderd-style link; the method's start-up until it says
 * `100 Capabilities` (apt waits for that before it sends anything), next to apt's
 * own http method; and the whole start of the method proper — Node started and the
 * program loaded, up to reading apt's first message — next to a bare `node -e 0`.
 *
 * Every document is checked once to verify before it is timed: a benchmark of a
 * failing path would measure the wrong thing.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDir, runChecked } from '../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock } from '../support/intoto-sign.js';
import { canonicalize, findSubjectsWithDigest, loadPublicKeys, parseAttestation, verifyAttestation, type JsonValue, type PublicKey } from '../../src/in-toto/index.js';
import { createGnupgHome } from './gnupg.js';
import { median, round } from './stats.js';

export interface MicroOptions {
  /** How long each throughput loop runs. */
  readonly durationMs: number;
  readonly startupRuns: number;
  /** The method as apt runs it: a path whose name is the scheme. */
  readonly methodPath: string;
  readonly stockHttpPath: string;
}

export interface MicroResult {
  readonly ed25519VerifyPerSecond: number;
  readonly gpgRsa4096VerifyPerSecond: number;
  readonly canonicalJsonPerSecond: number;
  readonly canonicalJsonBytes: number;
  readonly startupToCapabilitiesMs: { readonly reprogate: number; readonly stockHttp: number; readonly runs: number };
  /**
   * Start to exit with apt's pipe closed at once: the launcher, Node and the method's
   * relay, doing nothing (what a run that fetches only index files pays).
   */
  readonly startupLoadedMs: { readonly reprogate: number; readonly bareNode: number; readonly runs: number };
  /** `node -e` requiring apt-method-gate.js, the verification code the method loads with the first package. */
  readonly gateLoadedMs: number;
}

/** Operations per second of `op`, after a short warm-up, over about `durationMs`. */
export function throughput(op: () => void, durationMs: number): number {
  const until = (ms: number): number => {
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let i = 0; i < 16; i++) op();
      count += 16;
      elapsed = performance.now() - start;
    }
    return count / (elapsed / 1000);
  };
  until(Math.min(200, durationMs / 5));
  return until(durationMs);
}

function verifier(bytes: Uint8Array, keys: readonly PublicKey[], sha256: string, now: Date): () => void {
  const op = (): void => {
    const doc = parseAttestation(bytes);
    const check = verifyAttestation(doc, keys, now);
    if (!check.ok || findSubjectsWithDigest(doc, sha256).length !== 1) throw new Error(`benchmark link does not verify: ${check.ok ? 'no subject' : check.code}`);
  };
  op();
  return op;
}

export async function runMicro(dir: string, options: MicroOptions): Promise<MicroResult> {
  const now = new Date();
  const debName = 'bench_1.0-1_amd64.deb';
  const debSha256 = 'ab'.repeat(32);

  // ed25519: a securesystemslib key, as `in-toto-keygen -t ed25519` makes and rebuilders use.
  const ed = makeSigner('ed25519');
  const edLink = signMetablock(linkBody({ materials: { 'bench_1.0-1_amd64.buildinfo': 'cd'.repeat(32) }, products: { [debName]: debSha256 } }), [ed]);
  const edKeys = await loadPublicKeys(Buffer.from(ed.sslibJson), now);
  const ed25519VerifyPerSecond = throughput(verifier(edLink, edKeys, debSha256, now), options.durationMs);

  // GPG RSA-4096: the key from gpg, the link from Debian's in-toto-run, as a GPG-keyed rebuilder makes it.
  const gnupg = await createGnupgHome(await makeDir(join(dir, 'gpg')));
  let gpgRsa4096VerifyPerSecond: number;
  try {
    const fingerprint = await gnupg.generateKey('bench rebuilder <rsa4096@bench.invalid>', 'rsa4096');
    const work = await makeDir(join(dir, 'gpg', 'run'));
    const out = await makeDir(join(dir, 'gpg', 'links'));
    await writeFile(join(work, debName), 'not really a deb, but in-toto-run only hashes it\n');
    await writeFile(join(work, 'bench_1.0-1_amd64.buildinfo'), 'buildinfo\n');
    await runChecked('in-toto-run', ['-n', 'rebuild', '-m', 'bench_1.0-1_amd64.buildinfo', '-p', debName, '--gpg', fingerprint, '--gpg-home', gnupg.home, '-d', out, '-x'], {
      env: gnupg.env,
      cwd: work,
      timeoutMs: 120_000,
    });
    const [linkFile] = (await readdir(out)).filter((f) => f.endsWith('.link'));
    if (linkFile === undefined) throw new Error('in-toto-run --gpg wrote no link');
    const gpgLink = await readFile(join(out, linkFile));
    // Judged at a time after the key was made: a certificate is not valid before its creation.
    const afterKey = new Date();
    const gpgKeys = await loadPublicKeys(Buffer.from(await gnupg.exportArmored(fingerprint)), afterKey);
    const sha = (JSON.parse(gpgLink.toString()) as { signed: { products: Record<string, { sha256: string }> } }).signed.products[debName]?.sha256 ?? '';
    gpgRsa4096VerifyPerSecond = throughput(verifier(gpgLink, gpgKeys, sha, afterKey), options.durationMs);
  } finally {
    await gnupg.close();
  }

  // Canonical JSON of what rebuilderd signs for one .deb (.buildinfo in, .deb out, sha256 and sha512).
  const signed = (JSON.parse(rebuilderdAttestation(debName, debSha256, makeSigner()).toString()) as { signed: JsonValue }).signed;
  const canonicalJsonBytes = canonicalize(signed).length;
  const canonicalJsonPerSecond = throughput(() => void canonicalize(signed), options.durationMs);

  const startups = async (path: string): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < options.startupRuns; i++) times.push(await timeToCapabilities(path));
    return median(times);
  };
  const reprogate = await startups(options.methodPath);
  const stockHttp = await startups(options.stockHttpPath);
  const loads = async (command: string, args: readonly string[]): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < options.startupRuns; i++) times.push(await timeToExit(command, args));
    return median(times);
  };
  const loaded = await loads(options.methodPath, []);
  const bareNode = await loads(process.execPath, ['-e', '0']);
  const gate = join(dirname(await realpath(options.methodPath)), 'apt-method-gate.js');
  const gateLoaded = await loads(process.execPath, ['-e', `require(${JSON.stringify(gate)})`]);

  return {
    ed25519VerifyPerSecond: round(ed25519VerifyPerSecond, 0),
    gpgRsa4096VerifyPerSecond: round(gpgRsa4096VerifyPerSecond, 0),
    canonicalJsonPerSecond: round(canonicalJsonPerSecond, 0),
    canonicalJsonBytes,
    startupToCapabilitiesMs: { reprogate: round(reprogate), stockHttp: round(stockHttp), runs: options.startupRuns },
    startupLoadedMs: { reprogate: round(loaded), bareNode: round(bareNode), runs: options.startupRuns },
    gateLoadedMs: round(gateLoaded),
  };
}

/** Runs `command` with stdin closed at once (a method then exits as soon as it has loaded) and times it to its exit. */
export function timeToExit(command: string, args: readonly string[], timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== null) reject(new Error(`${command} was killed by ${signal}`));
      else resolve(performance.now() - started);
    });
  });
}

/** Starts a method as apt does (its path, stdin and stdout piped) and times the first `100 Capabilities`. */
export function timeToCapabilities(path: string, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' } });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${path} said nothing for ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error, ms?: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdin.end(); // apt's capability probe closes the pipe: the method exits
      child.once('close', () => (error ? reject(error) : resolve(ms ?? Number.NaN)));
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (b: Buffer) => {
      seen += b.toString('latin1');
      if (seen.includes('100 Capabilities')) finish(undefined, performance.now() - started);
    });
    // A method that cannot start never closes its pipes normally: fail at once.
    child.once('error', (e) => {
      done = true;
      clearTimeout(timer);
      reject(e);
    });
  });
}
