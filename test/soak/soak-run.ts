/**
 * The soak of the apt method (issue 7 part 4): one `apt-get install --download-only`
 * of many small packages from a signed loopback repository, gated by three
 * rebuilderd-style rebuilders with threshold 2, one of which (gamma) sits behind
 * a front that fails a seeded 20% of requests (503 or connection reset).
 *
 * Every 10th package is attested by one rebuilder only (alpha, beta, gamma in
 * turn) and must be refused; the rest are attested by all three, so alpha and
 * beta alone reach the threshold whatever gamma does. While apt runs, the method
 * process is sampled from /proc (RSS, open fds).
 *
 * `runSoak` does not throw on a failed check: it returns every problem found, so
 * the script can print a full report and the vitest wrapper can assert there are
 * none. It throws only when the world cannot be built.
 *
 * Shared by `npm run soak` (soak.ts, bundled into node_modules/.cache, so the
 * checkout is a parameter) and soak.test.ts. Deliberately not here: printing.
 */
import { DEFAULT_NET_LIMITS } from '../../src/net/client.js';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  archivesListing,
  buildDebs,
  buildRepository,
  createAptRoot,
  createLab,
  createSigningKey,
  makeDir,
  runApt,
  serveStatic,
  sourceFor,
  type BuiltDeb,
  type DebSpec,
} from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { archiveName, makeStateDir, readDecisions } from '../support/method-world.js';
import { startRebuilderServer } from '../support/rebuilder-server.js';
import { startFlakyFront } from './flaky-front.js';
import { startProcSampler, stillRunning, type ProcSample } from './proc-sampler.js';

export const REBUILDERS = ['alpha', 'beta', 'gamma'] as const;
export type SoakRebuilder = (typeof REBUILDERS)[number];
/** The rebuilder behind the flaky front. */
export const FLAKY: SoakRebuilder = 'gamma';

export interface SoakOptions {
  /** The checkout whose dist/apt-method is run (`npm run build`). */
  readonly checkout: string;
  readonly packages: number;
  /** Share of the flaky rebuilder's requests that fail (default 0.2). */
  readonly failRate?: number;
  readonly seed?: number;
  /** /proc sampling period (default 200 ms). */
  readonly sampleEveryMs?: number;
  /** Most open fds the method may hold at any sample (default: 48 + a full connection pool per rebuilder). */
  readonly maxFds?: number;
  /** Largest allowed ratio of last-quarter to first-quarter peak RSS (default 1.5). */
  readonly maxRssGrowth?: number;
  /** Fewest samples per quarter for the RSS ratio to mean something (default 5). */
  readonly minSamplesPerQuarter?: number;
  /** apt's install run is killed after this (default 60 s + 100 ms per package). */
  readonly aptTimeoutMs?: number;
  readonly progress?: (line: string) => void;
}

export interface SoakReport {
  readonly packages: number;
  readonly expectedAccepted: number;
  readonly expectedRefused: number;
  /** Decision-log codes, counted. */
  readonly decisions: Readonly<Record<string, number>>;
  /** Accepted packages for which the flaky rebuilder's outcome was a transient miss. */
  readonly flakyMisses: number;
  readonly aptExitCode: number | null;
  readonly aptMs: number;
  readonly setupMs: number;
  readonly front: { readonly requests: number; readonly unavailable: number; readonly resets: number };
  readonly methodPids: readonly number[];
  readonly samples: readonly ProcSample[];
  readonly peakFds: number;
  /** Peak VmRSS (kB) in the first and last quarter of the longest-running method process's samples. */
  readonly rssFirstQuarterKb: number | undefined;
  readonly rssLastQuarterKb: number | undefined;
  readonly peakHwmKb: number;
  /** Every failed check, one line each; empty when the soak passed. */
  readonly problems: readonly string[];
}

interface LoggedOutcome {
  readonly rebuilder: string;
  readonly status: string;
  readonly code: string;
  readonly transient?: boolean;
}
interface LoggedVerdict {
  readonly code: string;
  readonly package: { readonly name: string; readonly sha256: string };
  readonly agreeingOperators: readonly string[];
  readonly rebuilders: readonly LoggedOutcome[];
}

const pad = (i: number): string => String(i).padStart(5, '0');

/** Package i: refused when i % 10 === 9, then attested by one rebuilder only, in turn. */
function attestersOf(i: number): readonly SoakRebuilder[] {
  return i % 10 === 9 ? [REBUILDERS[Math.floor(i / 10) % 3]!] : REBUILDERS;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.progress ?? ((): void => {});
  const method = join(options.checkout, 'dist/apt-method');
  if (!existsSync(method)) throw new Error(`${method} is missing: run \`npm run build\` first`);
  const setupStarted = performance.now();
  const lab = await createLab();
  try {
    const specs: DebSpec[] = Array.from({ length: options.packages }, (_, i) => ({
      name: `soak-${pad(i)}`,
      version: `1.${i % 7}-1`,
      architecture: i % 2 === 0 ? 'all' : 'amd64',
    }));
    const debs = await buildDebs(lab.path('debs'), specs, { builder: 'node' });
    progress(`built ${debs.length} packages`);
    const key = await createSigningKey(lab.path('repo-key'));
    lab.defer(() => key.close());
    const repository = await buildRepository(lab.path('repo'), debs, { suite: 'stable', component: 'main', signWith: key });
    const repositoryServer = await serveStatic(repository.root);
    lab.defer(() => repositoryServer.close());

    const keysDir = await makeDir(lab.path('keys'));
    const policyLines: string[] = [];
    const front = { current: undefined as Awaited<ReturnType<typeof startFlakyFront>> | undefined };
    const attestFor = new Map<SoakRebuilder, (deb: BuiltDeb) => void>();
    for (const name of REBUILDERS) {
      const instance = makeSigner();
      const worker = makeSigner(); // one worker per instance: a fresh key per attestation would only cost time
      const server = await startRebuilderServer({ publicKeys: [instance.rebuilderdPem] });
      lab.defer(() => server.close());
      let url = server.url;
      if (name === FLAKY) {
        const flaky = await startFlakyFront(server.port, { failRate: options.failRate ?? 0.2, seed: options.seed ?? 7 });
        lab.defer(() => flaky.close());
        front.current = flaky;
        url = flaky.url;
      }
      const keyFile = join(keysDir, `${name}.pem`);
      await writeFile(keyFile, instance.rebuilderdPem, { mode: 0o644 });
      policyLines.push(`  - { name: ${name}, type: rebuilderd, url: "${url}", keys: ["${keyFile}"] }`);
      attestFor.set(name, (deb) => {
        const { name: pkg, version, architecture } = deb.spec;
        server.addPackage({ name: pkg, version, architecture, attestations: [rebuilderdAttestation(deb.fileName, deb.sha256, instance, worker)] });
      });
    }
    debs.forEach((deb, i) => {
      for (const who of attestersOf(i)) attestFor.get(who)!(deb);
    });
    progress('rebuilders attested');

    const policy = lab.path('policy.yaml');
    await writeFile(
      policy,
      ['version: 1', 'mode: enforce', 'threshold: 2', 'on-conflict: refuse', 'rebuilders:', ...policyLines, ''].join('\n'),
      { mode: 0o644 },
    );
    const state = await makeStateDir(lab.path('state'));
    const logFile = join(state, 'decisions.jsonl');
    const root = await createAptRoot(lab.path('root'), {
      sources: [sourceFor(repository, `reprogate+${repositoryServer.url}/`)],
      methods: { 'reprogate+http': method },
      config: { 'Reprogate::Policy': policy, 'Reprogate::Cache': join(state, 'cache'), 'Reprogate::Log': logFile },
    });
    const update = await runApt(root, ['update']);
    if (update.code !== 0 || update.stderr !== '') throw new Error(`apt-get update failed (${update.code}): ${update.stderr}`);
    const setupMs = performance.now() - setupStarted;
    progress(`world ready in ${(setupMs / 1000).toFixed(1)} s; installing ${debs.length} packages in one apt run`);

    // ---- the run
    const aptTimeoutMs = options.aptTimeoutMs ?? 60_000 + 100 * options.packages;
    const sampler = await startProcSampler(join(root.methodsDir, 'reprogate+http'), options.sampleEveryMs ?? 200);
    const aptStarted = performance.now();
    const problems: string[] = [];
    const install = await runApt(root, ['install', '--download-only', '-y', ...debs.map((d) => d.spec.name)], { timeoutMs: aptTimeoutMs }).catch(
      (e: unknown) => {
        problems.push(`apt did not finish within ${aptTimeoutMs} ms (stuck): ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      },
    );
    const aptMs = performance.now() - aptStarted;
    const methodPids = [...sampler.pids];
    const samples = await sampler.stop();
    progress(`apt finished in ${(aptMs / 1000).toFixed(1)} s`);

    // ---- checks: no stuck items
    const leftover = await stillRunning(methodPids);
    if (leftover.length > 0) problems.push(`method processes still running after apt returned: ${leftover.join(', ')}`);
    if (methodPids.length === 0) problems.push('never saw the method process: nothing was sampled');
    // apt fails the run because of the refused packages; anything but 100 means something else went wrong.
    if (install !== undefined && install.code !== 100) problems.push(`apt exited ${install.code}, expected 100 (some refused)`);

    // ---- checks: every decision
    const expected = new Map(debs.map((deb, i) => [deb.spec.name, { deb, accept: attestersOf(i).length === 3 }]));
    const records = (await readDecisions(logFile)) as unknown as LoggedVerdict[];
    const byName = new Map<string, LoggedVerdict[]>();
    for (const r of records) byName.set(r.package.name, [...(byName.get(r.package.name) ?? []), r]);
    const decisions: Record<string, number> = {};
    let flakyMisses = 0;
    for (const r of records) decisions[r.code] = (decisions[r.code] ?? 0) + 1;
    for (const name of byName.keys()) if (!expected.has(name)) problems.push(`decision for a package not asked for: ${name}`);
    for (const [name, { deb, accept }] of expected) {
      const got = byName.get(name) ?? [];
      if (got.length !== 1) {
        problems.push(`${name}: ${got.length} decision records, expected 1`);
        continue;
      }
      const r = got[0]!;
      const want = accept ? 'ACCEPTED' : 'REFUSED_BELOW_THRESHOLD';
      if (r.code !== want) problems.push(`${name}: ${r.code}, expected ${want} (${JSON.stringify(r.rebuilders)})`);
      if (r.package.sha256 !== deb.sha256) problems.push(`${name}: decided on sha256 ${r.package.sha256}, the file is ${deb.sha256}`);
      const odd = r.rebuilders.filter((o) => o.status === 'conflicts' || o.status === 'invalid');
      if (odd.length > 0) problems.push(`${name}: unexpected outcomes ${JSON.stringify(odd)}`);
      if (accept) {
        if (!r.agreeingOperators.includes('alpha') || !r.agreeingOperators.includes('beta')) {
          problems.push(`${name}: alpha and beta should both agree, got [${r.agreeingOperators.join(', ')}]`);
        }
        const flaky = r.rebuilders.find((o) => o.rebuilder === FLAKY);
        if (flaky?.status === 'missing') {
          if (flaky.transient === true) flakyMisses += 1;
          else problems.push(`${name}: ${FLAKY}'s failure was logged as not transient (${flaky.code})`);
        }
      }
    }
    const frontStats = { ...front.current!.stats };
    if (frontStats.unavailable + frontStats.resets > 0 && flakyMisses === 0) {
      problems.push(`${FLAKY}'s front failed ${frontStats.unavailable + frontStats.resets} requests, yet no decision shows a transient miss`);
    }

    // ---- checks: what apt left behind
    const listing = await archivesListing(root);
    const wantArchives = [...expected.values()].filter((e) => e.accept).map((e) => archiveName(e.deb)).sort();
    const missing = wantArchives.filter((f) => !listing.archives.includes(f));
    const extra = listing.archives.filter((f) => !wantArchives.includes(f));
    if (missing.length > 0) problems.push(`archives/ lacks ${missing.length} accepted packages: ${missing.slice(0, 5).join(', ')}…`);
    if (extra.length > 0) problems.push(`archives/ holds ${extra.length} files it should not: ${extra.slice(0, 5).join(', ')}…`);
    if (listing.partial.length > 0) problems.push(`archives/partial/ is not empty: ${listing.partial.slice(0, 5).join(', ')}`);

    // ---- checks: fds and memory flat
    // Flat means bounded by the connection pools, not by the number of packages: a base
    // of pipes, files and the http child, plus at most a full pool per rebuilder.
    const maxFds = options.maxFds ?? 48 + REBUILDERS.length * DEFAULT_NET_LIMITS.connectionsPerOrigin;
    const peakFds = Math.max(0, ...samples.map((s) => s.fds));
    if (peakFds > maxFds) problems.push(`the method held ${peakFds} fds at once, bound ${maxFds}`);
    // apt may start more than one method process (a short-lived one, then the one that downloads):
    // memory is flat or not within one process, the one that ran longest.
    const { first, last } = quarterPeaks(longestRunning(samples));
    const minSamples = options.minSamplesPerQuarter ?? 5;
    const maxGrowth = options.maxRssGrowth ?? 1.5;
    const judged = longestRunning(samples).length;
    if (judged < 4 * minSamples) {
      problems.push(`only ${judged} samples of the method: too few to judge memory flat (need ${4 * minSamples}; sample more often)`);
    } else if (first !== undefined && last !== undefined && last > maxGrowth * first) {
      problems.push(`RSS grew: last-quarter peak ${last} kB > ${maxGrowth} × first-quarter peak ${first} kB`);
    }

    return {
      packages: debs.length,
      expectedAccepted: wantArchives.length,
      expectedRefused: debs.length - wantArchives.length,
      decisions,
      flakyMisses,
      aptExitCode: install?.code ?? null,
      aptMs: Math.round(aptMs),
      setupMs: Math.round(setupMs),
      front: frontStats,
      methodPids,
      samples,
      peakFds,
      rssFirstQuarterKb: first,
      rssLastQuarterKb: last,
      peakHwmKb: Math.max(0, ...samples.map((s) => s.hwmKb)),
      problems,
    };
  } finally {
    await lab.close();
  }
}

/** The samples of the process that was sampled most often. */
function longestRunning(samples: readonly ProcSample[]): ProcSample[] {
  const byPid = new Map<number, ProcSample[]>();
  for (const s of samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  return [...byPid.values()].reduce<ProcSample[]>((a, b) => (b.length > a.length ? b : a), []);
}

/** Peak RSS over the first and the last quarter of one process's samples (by order). */
function quarterPeaks(samples: readonly ProcSample[]): { first: number | undefined; last: number | undefined } {
  if (samples.length === 0) return { first: undefined, last: undefined };
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const peak = (part: readonly ProcSample[]): number => Math.max(...part.map((s) => s.rssKb));
  return { first: peak(samples.slice(0, quarter)), last: peak(samples.slice(-quarter)) };
}

/** Peak RSS in MB over each tenth of one process's samples: the shape of its memory over the run. */
function tenths(samples: readonly ProcSample[]): string[] {
  if (samples.length < 10) return samples.map((s) => (s.rssKb / 1024).toFixed(0));
  return Array.from({ length: 10 }, (_, k) => {
    const part = samples.slice(Math.floor((k * samples.length) / 10), Math.floor(((k + 1) * samples.length) / 10));
    return (Math.max(...part.map((s) => s.rssKb)) / 1024).toFixed(0);
  });
}

/** The report as a few lines for a person: numbers first, then the problems. */
export function describeSoak(report: SoakReport): string {
  const mb = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`);
  const fds = report.samples.map((s) => s.fds);
  return [
    `packages: ${report.packages} (${report.expectedAccepted} to accept, ${report.expectedRefused} to refuse)`,
    `setup: ${(report.setupMs / 1000).toFixed(1)} s; apt install: ${(report.aptMs / 1000).toFixed(1)} s, exit ${report.aptExitCode}`,
    `decisions: ${Object.entries(report.decisions).map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}`,
    `${FLAKY} front: ${report.front.requests} requests, ${report.front.unavailable} answered 503, ${report.front.resets} reset; ` +
      `${report.flakyMisses} accepted packages decided without ${FLAKY}`,
    `method processes: ${report.methodPids.map((pid) => `${pid} (${report.samples.filter((s) => s.pid === pid).length} samples)`).join(', ') || 'none'}`,
    `fds: min ${fds.length ? Math.min(...fds) : 'n/a'}, peak ${report.peakFds}`,
    `RSS by tenth of the run (peak, MB): ${tenths(longestRunning(report.samples)).join(' ')}`,
    `RSS peak first quarter ${mb(report.rssFirstQuarterKb)}, last quarter ${mb(report.rssLastQuarterKb)}; VmHWM ${mb(report.peakHwmKb)}`,
    report.problems.length === 0 ? 'PASS: no problems' : `FAIL: ${report.problems.length} problems\n  ${report.problems.slice(0, 30).join('\n  ')}`,
  ].join('\n');
}
