/**
 * W4, the pre-install hook on a warm cache: hundreds of .debs in apt's archives
 * folder (`Dir::Cache::archives`, where the method's downloads land), the
 * attestation cache holding what each rebuilder serves for them (as the method
 * leaves it), and dist/pre-install-hook.js fed a synthetic
 * `DPkg::Pre-Install-Pkgs` v3 input listing every one — what apt does before
 * dpkg unpacks a template's packages.
 *
 * The rebuilders answer HTTP 500 throughout: a hook that went to the network
 * instead of the cache would refuse, and the run would fail rather than time it.
 */
import { link, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDir, runCommand, sealedEnv, type BuiltDeb, type Lab } from '../support/aptlab/index.js';
import { openCache } from '../../src/cache/index.js';
import type { LookupResult } from '../../src/rebuilders/index.js';
import { NEGATIVE_CACHE_TTL_MS } from '../../src/runtime/runtime.js';
import type { BenchContext } from './context.js';
import { seededShuffle, spreadSizes } from './sizes.js';
import { median, round } from './stats.js';
import { startMirror, startRebuilderFarm } from './world.js';

export interface W4Result {
  readonly debs: number;
  readonly totalBytes: number;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly perDebMs: number;
}

export async function runW4(lab: Lab, ctx: BenchContext): Promise<W4Result> {
  const { debs: count, totalBytes, runs } = ctx.profile.w4;
  const sizes = seededShuffle(spreadSizes(count, 5000, Math.min(30e6, totalBytes / 4), totalBytes), 0xcafe);
  const specs = sizes.map((sizeBytes, i) => ({ name: `cached-pkg${String(i + 1).padStart(3, '0')}`, version: '1.0-1', architecture: 'all' as const, sizeBytes }));
  ctx.progress(`W4: building ${count} packages…`);
  // The repository's pool is where the .debs live; nothing serves them to apt here.
  const mirror = await startMirror(lab, 'w4', specs);
  const farm = await startRebuilderFarm(lab, ctx.profile.rebuilders);
  farm.attest(mirror.debs);
  const dir = await makeDir(lab.path('w4', 'hook'));
  const policy = await farm.writePolicy(await makeDir(join(dir, 'policy')), 'rebuilderd', ctx.profile.threshold);
  const cacheDir = await makeDir(join(dir, 'cache'));
  const logFile = join(dir, 'decisions.jsonl');
  await warmCache(cacheDir, mirror.debs, farm.attestationsFor.bind(farm));
  farm.refuseAll(500);

  // Hard links from the pool: the files apt would have downloaded, without copying 250 MB.
  const archives = await makeDir(join(dir, 'archives'));
  const listed: { deb: BuiltDeb; path: string }[] = [];
  for (const p of mirror.repository.packages) {
    const path = join(archives, p.deb.fileName);
    await link(p.path, path);
    listed.push({ deb: p.deb, path });
  }
  const input = hookInput(
    {
      'APT::Architecture': 'amd64',
      'Dir::Cache::archives': `${archives}/`,
      'Reprogate::Policy': policy,
      'Reprogate::Cache': cacheDir,
      'Reprogate::Log': logFile,
    },
    listed,
  );
  // Kept with the lab (BENCH_KEEP=1) for profiling: node --cpu-prof dist/pre-install-hook.js < input.txt
  await writeFile(join(dir, 'input.txt'), input);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const r = await runCommand(process.execPath, [ctx.hook], { env: sealedEnv(await makeDir(join(dir, 'tmp'))), input, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`W4: the hook refused (exit ${r.code}): ${r.stderr.slice(-800)}`);
    times.push(r.durationMs);
    ctx.progress(`  run ${run + 1}/${runs} hook: ${(r.durationMs / 1000).toFixed(2)} s`);
  }
  const decisions = (await readFile(logFile, 'utf8')).trim().split('\n').length;
  if (decisions !== count * runs) throw new Error(`W4: ${decisions} decisions logged, expected ${count * runs}`);
  const medianMs = median(times);
  return {
    debs: count,
    totalBytes: mirror.debs.reduce((a, d) => a + d.size, 0),
    runsMs: times.map((t) => round(t)),
    medianMs: round(medianMs),
    perDebMs: round(medianMs / count, 2),
  };
}

/** The cache as the method leaves it: every rebuilder's documents for every .deb, with the origin. */
async function warmCache(dir: string, debs: readonly BuiltDeb[], attestationsFor: (deb: BuiltDeb) => { rebuilder: string; url: string; bytes: Buffer }[]): Promise<void> {
  const cache = openCache({ dir, negativeTtlMs: NEGATIVE_CACHE_TTL_MS });
  const now = new Date();
  for (const deb of debs) {
    const results = new Map<string, LookupResult>(attestationsFor(deb).map((doc) => [doc.rebuilder, { status: 'found', documents: [{ url: doc.url, bytes: doc.bytes }] }]));
    await cache.putAll(deb.sha256, results, { now, origin: '127.0.0.1' });
  }
}

/**
 * apt's v3 hook input (src/hook/input.ts): `VERSION 3`, configuration items,
 * an empty line, then one line per package — a first install of each .deb
 * (`- - none <`), followed by the configure lines apt also sends.
 */
export function hookInput(config: Readonly<Record<string, string>>, debs: readonly { deb: BuiltDeb; path: string }[]): string {
  const lines = ['VERSION 3', ...Object.entries(config).map(([k, v]) => `${k}=${v}`), ''];
  const side = (deb: BuiltDeb): string => `${deb.spec.version} ${deb.spec.architecture} none`;
  for (const { deb, path } of debs) lines.push(`${deb.spec.name} - - none < ${side(deb)} ${path}`);
  for (const { deb } of debs) lines.push(`${deb.spec.name} - - none < ${side(deb)} **CONFIGURE**`);
  return `${lines.join('\n')}\n`;
}
