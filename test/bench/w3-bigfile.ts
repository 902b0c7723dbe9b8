/**
 * W3, big files: the method's peak resident memory (VmHWM) while apt downloads one
 * large .deb through it, for several sizes, so that "flat in file size" is seen
 * rather than assumed. The node process (our relay and gate) and its child (apt's
 * http method, which writes the file) are reported apart.
 */
import { makeDir, type Lab } from '../support/aptlab/index.js';
import type { BenchContext } from './context.js';
import { timeDownload, updateIndexes, type Contender } from './downloads.js';
import { sampleMethodMemory } from './rss.js';
import { round } from './stats.js';
import { createMethodRoot, startMirror, startRebuilderFarm } from './world.js';

export interface W3Point {
  readonly debBytes: number;
  /** The largest VmHWM over the runs, in MB (10^6 bytes). */
  readonly methodPeakMB: number;
  readonly childPeakMB: number;
  readonly wallMs: number;
}

export interface W3Result {
  readonly points: readonly W3Point[];
  /** Method peak at the largest size minus at the smallest, in MB. */
  readonly methodGrowthMB: number;
}

export async function runW3(lab: Lab, ctx: BenchContext): Promise<W3Result> {
  const { sizes, runs } = ctx.profile.w3;
  const specs = sizes.map((sizeBytes) => ({ name: `big-${Math.round(sizeBytes / 1e6)}mb`, version: '1.0-1', architecture: 'all' as const, sizeBytes }));
  ctx.progress(`W3: building ${specs.map((s) => s.name).join(', ')}…`);
  const mirror = await startMirror(lab, 'w3', specs);
  const farm = await startRebuilderFarm(lab, ctx.profile.rebuilders);
  farm.attest(mirror.debs);
  const policy = await farm.writePolicy(await makeDir(lab.path('w3', 'policy')), 'rebuilderd', ctx.profile.threshold);
  const methodRoot = await createMethodRoot(lab.path('w3', 'reprogate'), mirror, ctx, policy);
  const contender: Contender = { label: 'reprogate+http', root: methodRoot.root, reset: () => methodRoot.reset() };
  await updateIndexes(contender);

  const methodPath = ctx.methodInvokedAs(methodRoot.root);
  const points: W3Point[] = [];
  for (const [i, spec] of specs.entries()) {
    let method = 0;
    let child = 0;
    const walls: number[] = [];
    for (let run = 0; run < runs; run++) {
      const sampler = await sampleMethodMemory(methodPath);
      walls.push((await timeDownload(contender, [spec.name], 600_000)).wallMs);
      const peak = await sampler.stop();
      if (peak.methods === 0) throw new Error(`W3: never saw the method process (${methodPath}) run`);
      method = Math.max(method, peak.methodBytes);
      child = Math.max(child, peak.childBytes);
    }
    const point = { debBytes: mirror.debs[i]?.size ?? spec.sizeBytes, methodPeakMB: round(method / 1e6), childPeakMB: round(child / 1e6), wallMs: round(Math.min(...walls)) };
    ctx.progress(`  ${spec.name}: method ${point.methodPeakMB} MB, http child ${point.childPeakMB} MB, ${(point.wallMs / 1000).toFixed(2)} s`);
    points.push(point);
  }
  const first = points[0];
  const last = points.at(-1);
  return { points, methodGrowthMB: first && last ? round(last.methodPeakMB - first.methodPeakMB) : 0 };
}
