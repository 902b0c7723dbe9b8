/**
 * The results as a document (results.json) and as a table for the terminal, with
 * each issue-6 target judged against the numbers of the same run. A missed target
 * is reported, never an error: the benchmark measures, people decide. In the quick
 * profile nothing is judged.
 *
 * PURE: builds values and strings; main.ts writes them.
 */
import type { MachineInfo } from './machine.js';
import type { MicroResult } from './micro.js';
import type { TimedSeries } from './download-world.js';
import type { PeerResult, W1Result } from './w1-template.js';
import type { W2Result } from './w2-slow.js';
import type { W3Result } from './w3-bigfile.js';
import type { W4Result } from './w4-hook.js';

export interface BenchResults {
  readonly format: 'reprogate-bench';
  readonly version: 1;
  readonly profile: 'full' | 'quick';
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: MachineInfo;
  /** KEY=VALUE apt options added to every root for this run (none for the reference numbers). */
  readonly aptConfig: Readonly<Record<string, string>>;
  /** apt.conf.d files of the package in reprogate's roots (plain http's roots keep apt's defaults). */
  readonly reprogateConfParts: readonly string[];
  readonly w1?: W1Result;
  readonly w1Peer?: PeerResult;
  readonly w2?: W2Result;
  readonly w3?: W3Result;
  readonly w4?: W4Result;
  readonly micro?: MicroResult;
  readonly targets: readonly TargetCheck[];
}

export interface TargetCheck {
  readonly id: string;
  readonly target: string;
  readonly measured: string;
  /** Undefined when not judged (quick profile, or the workload did not run). */
  readonly pass: boolean | undefined;
}

export const METHOD_RSS_LIMIT_MB = 120;
/** "Flat": the largest file may raise the method's peak by at most this much over the smallest. */
export const METHOD_RSS_FLAT_MB = 10;

export function judgeTargets(r: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const judged = r.profile === 'full';
  const check = (id: string, target: string, measured: string | undefined, pass: boolean | undefined): TargetCheck => ({
    id,
    target,
    measured: measured ?? 'not run',
    pass: judged && measured !== undefined ? pass : undefined,
  });
  const w3Largest = r.w3?.points.at(-1);
  return [
    check('W1', 'reprogate+http wall time ≤ 1.25 × plain http', r.w1 && `${r.w1.ratio.toFixed(2)} ×`, r.w1 && r.w1.ratio <= 1.25),
    check(
      'W1-peer',
      "added time per package ≤ 1/50 of apt-transport-in-toto's",
      r.w1Peer && `${fmtMs(r.w1Peer.reprogateAddedMsPerPackage)} vs ${fmtMs(r.w1Peer.intotoAddedMsPerPackage)} per package (1/${r.w1Peer.advantage.toFixed(0)})`,
      r.w1Peer && r.w1Peer.reprogateAddedMsPerPackage * 50 <= r.w1Peer.intotoAddedMsPerPackage,
    ),
    check('W2', 'adds ≤ 2 s', r.w2 && `+${fmtS(r.w2.addedMs)}`, r.w2 && r.w2.addedMs <= 2000),
    check(
      'W3',
      `method peak RSS < ${METHOD_RSS_LIMIT_MB} MB and flat in file size (≤ +${METHOD_RSS_FLAT_MB} MB from smallest to largest)`,
      r.w3 && w3Largest && `${w3Largest.methodPeakMB} MB at ${fmtBytes(w3Largest.debBytes)}, ${r.w3.methodGrowthMB >= 0 ? '+' : '−'}${Math.abs(r.w3.methodGrowthMB)} MB over the range`,
      r.w3 && w3Largest && w3Largest.methodPeakMB < METHOD_RSS_LIMIT_MB && r.w3.methodGrowthMB <= METHOD_RSS_FLAT_MB,
    ),
    check('W4', 'hook on a warm cache < 3 s', r.w4 && `${fmtS(r.w4.medianMs)} for ${r.w4.debs} .debs`, r.w4 && r.w4.medianMs < 3000),
  ];
}

export function renderTable(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `reprogate benchmark (${r.profile}) — ${m.cpuModel} ×${m.cores}, node ${m.node}, ${m.apt}; ` +
      `load ${m.loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${m.loadAfter.map((l) => l.toFixed(2)).join(' ')} after; ${r.durationS.toFixed(0)} s`,
  );
  out.push(`reprogate's roots as the package sets apt up (${r.reprogateConfParts.join(', ')}); plain http's roots: apt's defaults`);
  if (Object.keys(r.aptConfig).length > 0) out.push(`apt options for every root: ${Object.entries(r.aptConfig).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  out.push('');

  const rows: string[][] = [['workload', 'http', 'reprogate+http', 'ratio', 'added', 'lookup floor (window: apt / client)', 'CPU apt+methods: http / ours', 'CPU lab servers: http / ours']];
  const cpu = (a: TimedSeries, b: TimedSeries, key: 'aptCpuMs' | 'labCpuMs'): string => `${fmtS(a[key])} / ${fmtS(b[key])}`;
  const floor = (f: { pipelineMs: number; clientMs: number; pipelineDepth: number; clientWindow: number }): string =>
    `${fmtS(f.pipelineMs)} (${f.pipelineDepth}) / ${fmtS(f.clientMs)} (${Math.min(f.pipelineDepth, f.clientWindow)})`;
  if (r.w1) {
    rows.push([
      `W1 ${r.w1.packages} pkgs ${fmtBytes(r.w1.totalBytes)}, ${r.w1.threshold}/${r.w1.rebuilders} rb +${r.w1.rebuilderLatencyMs} ms`,
      fmtS(r.w1.http.medianMs),
      fmtS(r.w1.reprogate.medianMs),
      `${r.w1.ratio.toFixed(2)}×`,
      signed(r.w1.addedMs),
      floor(r.w1.floor),
      cpu(r.w1.http, r.w1.reprogate, 'aptCpuMs'),
      cpu(r.w1.http, r.w1.reprogate, 'labCpuMs'),
    ]);
  }
  const cached = r.w1?.cachedAttestations;
  if (r.w1 && cached) {
    rows.push([
      `W1, attestations already cached (no lookups)`,
      fmtS(r.w1.http.medianMs),
      fmtS(cached.reprogate.medianMs),
      `${cached.ratio.toFixed(2)}×`,
      signed(cached.addedMs),
      '—',
      cpu(r.w1.http, cached.reprogate, 'aptCpuMs'),
      cpu(r.w1.http, cached.reprogate, 'labCpuMs'),
    ]);
  }
  const update = r.w1?.update;
  if (update) {
    rows.push([
      'apt-get update, nothing new (W1 roots)',
      fmtS(update.http.medianMs),
      fmtS(update.reprogate.medianMs),
      `${update.ratio.toFixed(2)}×`,
      signed(update.addedMs),
      '—',
      cpu(update.http, update.reprogate, 'aptCpuMs'),
      cpu(update.http, update.reprogate, 'labCpuMs'),
    ]);
  }
  const link = r.w1?.atLinkSpeed;
  if (r.w1 && link) {
    rows.push([
      `W1 at ${((link.kibPerSecond * 1024 * 8) / 1e6).toFixed(0)} Mbit/s (apt's Dl-Limit)`,
      fmtS(link.http.medianMs),
      fmtS(link.reprogate.medianMs),
      `${link.ratio.toFixed(2)}×`,
      signed(link.addedMs),
      floor(r.w1.floor),
      cpu(link.http, link.reprogate, 'aptCpuMs'),
      cpu(link.http, link.reprogate, 'labCpuMs'),
    ]);
  }
  if (r.w2) {
    rows.push([
      `W2 ${r.w2.packages} pkgs ${fmtBytes(r.w2.bytesPerPackage)}, rb +${r.w2.rebuilderLatencyMs} ms`,
      fmtS(r.w2.http.medianMs),
      fmtS(r.w2.reprogate.medianMs),
      `${r.w2.ratio.toFixed(2)}×`,
      signed(r.w2.addedMs),
      floor(r.w2.floor),
      cpu(r.w2.http, r.w2.reprogate, 'aptCpuMs'),
      cpu(r.w2.http, r.w2.reprogate, 'labCpuMs'),
    ]);
  }
  if (rows.length > 1) out.push(table(rows), '');

  if (r.w1Peer) {
    const p = r.w1Peer;
    out.push(
      table([
        ['W1-peer (medians)', 'http', 'reprogate+http', 'intoto', 'added per package: ours / intoto'],
        [
          `${p.packages} pkgs ${fmtBytes(p.totalBytes)}, sources tree`,
          fmtS(p.http.medianMs),
          fmtS(p.reprogate.medianMs),
          fmtS(p.intoto.medianMs),
          `${fmtMs(p.reprogateAddedMsPerPackage)} / ${fmtMs(p.intotoAddedMsPerPackage)} (1/${p.advantage.toFixed(0)})`,
        ],
        ['first package alone', fmtS(p.onePackage.http.medianMs), fmtS(p.onePackage.reprogate.medianMs), fmtS(p.onePackage.intoto.medianMs), 'fixed cost of an apt run'],
        ['each further package', '', '', '', `${fmtMs(p.marginalMsPerPackage.reprogate)} / ${fmtMs(p.marginalMsPerPackage.intoto)} (marginal)`],
        ['CPU of apt+methods (all packages)', fmtS(p.http.aptCpuMs), fmtS(p.reprogate.aptCpuMs), fmtS(p.intoto.aptCpuMs), ''],
      ]),
      '',
    );
  }
  if (r.w3) {
    out.push(
      table([
        ['W3 one .deb', 'method (node) peak RSS', 'http child peak RSS', 'wall'],
        ...r.w3.points.map((p) => [fmtBytes(p.debBytes), `${p.methodPeakMB} MB`, `${p.childPeakMB} MB`, fmtS(p.wallMs)]),
      ]),
      '',
    );
  }
  if (r.w4) out.push(`W4 hook, warm cache: ${r.w4.debs} .debs (${fmtBytes(r.w4.totalBytes)}) in ${fmtS(r.w4.medianMs)} (median of ${r.w4.runsMs.length}; ${fmtMs(r.w4.perDebMs)} per .deb)`, '');
  if (r.micro) {
    const u = r.micro;
    out.push(
      table([
        ['micro', 'result'],
        ['link verification, ed25519', `${u.ed25519VerifyPerSecond.toLocaleString('en')} /s`],
        ['link verification, GPG RSA-4096 (in-toto-run --gpg)', `${u.gpgRsa4096VerifyPerSecond.toLocaleString('en')} /s`],
        [`canonical JSON of a rebuilderd link (${u.canonicalJsonBytes} B)`, `${u.canonicalJsonPerSecond.toLocaleString('en')} /s`],
        ['start-up to 100 Capabilities: reprogate+http / stock http', `${fmtMs(u.startupToCapabilitiesMs.reprogate)} / ${fmtMs(u.startupToCapabilitiesMs.stockHttp)}`],
        ['start-up to exit, no package (the relay): reprogate+http / node -e 0', `${fmtMs(u.startupLoadedMs.reprogate)} / ${fmtMs(u.startupLoadedMs.bareNode)}`],
        ['node -e requiring the verification code (loaded with the first package)', fmtMs(u.gateLoadedMs)],
      ]),
      '',
    );
  }
  out.push(
    table([
      ['target', 'measured', 'result'],
      ...r.targets.map((t) => [`${t.id}: ${t.target}`, t.measured, t.pass === undefined ? '—' : t.pass ? 'PASS' : 'MISS']),
    ]),
  );
  return `${out.join('\n')}\n`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  const line = (row: readonly string[]): string => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  return [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${fmtS(Math.abs(ms))}`;
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  return `${(bytes / 1e3).toFixed(0)} kB`;
}
