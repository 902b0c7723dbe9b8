/**
 * The shared part of the download workloads (W1, W2): packages on a mirror,
 * rebuilders that attest all of them and answer after a delay, and two apt roots
 * on the same mirror — apt's plain `http` and our `reprogate+http` with a
 * threshold policy over the rebuilderd API — updated and ready to time.
 */
import { makeDir, runApt, type AptRoot, type DebSpec, type Lab } from '../support/aptlab/index.js';
import { DEFAULT_NET_LIMITS } from '../../src/net/client.js';
import type { BenchContext } from './context.js';
import type { Contender, RunTiming } from './downloads.js';
import { BenchRunError, updateIndexes } from './downloads.js';
import { createMethodRoot, createPlainRoot, startMirror, startRebuilderFarm, type Mirror, type RebuilderFarm } from './world.js';
import { lookupFloorMs, median, round } from './stats.js';

/** apt-pkg/acquire.cc: `Acquire::Max-Pipeline-Depth` when nothing sets it. */
const APT_DEFAULT_PIPELINE_DEPTH = 10;

export interface DownloadWorld {
  readonly mirror: Mirror;
  readonly farm: RebuilderFarm;
  readonly plain: Contender;
  readonly reprogate: Contender;
  /** Acquire::Max-Pipeline-Depth as apt itself reads it in the reprogate root (the package's file on top of the run's options). */
  readonly pipelineDepth: number;
  /** Two more contenders on the same mirror and rebuilders, with `extra` apt options in both. */
  contendersWith(name: string, extra: Readonly<Record<string, string>>): Promise<{ plain: Contender; reprogate: Contender }>;
  /**
   * `reprogate+http` with every attestation already in its cache: its first run (the
   * warm-up) fills the cache, and every later run must verify without asking a
   * rebuilder anything. What the gate costs with the lookups taken away.
   */
  cachedContender(name: string): Promise<Contender>;
}

export async function setupDownloadWorld(lab: Lab, ctx: BenchContext, name: string, specs: readonly DebSpec[], latencyMs: number): Promise<DownloadWorld> {
  const { profile } = ctx;
  const mirror = await startMirror(lab, name, specs);
  const farm = await startRebuilderFarm(lab, profile.rebuilders);
  farm.attest(mirror.debs);
  farm.setLatency(latencyMs);
  const policy = await farm.writePolicy(await makeDir(lab.path(name, 'policy')), 'rebuilderd', profile.threshold);
  // The servers log every request (tests read the logs); here nobody does, and a log
  // growing by a thousand requests a run would make the lab's garbage collector, on the
  // same cores as apt, costlier run after run.
  const forgetRequests = (): void => {
    mirror.server.clearLog();
    for (const r of farm.rebuilders) r.server.clearLog();
  };
  const contendersWith = async (variant: string, extra: Readonly<Record<string, string>>): Promise<{ plain: Contender; reprogate: Contender }> => {
    const config = { ...ctx.aptConfig, ...extra };
    const methodRoot = await createMethodRoot(lab.path(variant, 'reprogate'), mirror, { ...ctx, aptConfig: config }, policy);
    const plain: Contender = { label: 'http', root: await createPlainRoot(lab.path(variant, 'http'), mirror, config), reset: () => Promise.resolve(forgetRequests()) };
    const reprogate: Contender = {
      label: 'reprogate+http',
      root: methodRoot.root,
      reset: async () => {
        forgetRequests();
        await methodRoot.reset();
      },
    };
    for (const c of [plain, reprogate]) await updateIndexes(c);
    return { plain, reprogate };
  };
  const cachedContender = async (variant: string): Promise<Contender> => {
    const { root } = await createMethodRoot(lab.path(variant, 'reprogate'), mirror, ctx, policy);
    const label = 'reprogate+http, attestations cached';
    await updateIndexes({ label, root });
    let filled = false;
    return {
      label,
      root,
      reset: () => Promise.resolve(forgetRequests()),
      after: () => {
        const asked = farm.rebuilders.reduce((n, r) => n + r.server.requests.length, 0);
        if (filled && asked > 0) throw new BenchRunError(`${label}: asked the rebuilders ${asked} times although the cache held every answer`);
        filled = true;
        return Promise.resolve();
      },
    };
  };
  const { plain, reprogate } = await contendersWith(name, {});
  return { mirror, farm, plain, reprogate, pipelineDepth: await pipelineDepthIn(reprogate.root), contendersWith, cachedContender };
}

async function pipelineDepthIn(root: AptRoot): Promise<number> {
  const r = await runApt(root, ['shell', 'D', 'Acquire::Max-Pipeline-Depth'], { program: 'apt-config' });
  const value = /^D='(\d+)'$/m.exec(r.stdout)?.[1];
  // apt-config prints nothing for an unset option; apt then uses its default.
  return value === undefined ? APT_DEFAULT_PIPELINE_DEPTH : Number(value);
}

export interface TimedSeries {
  /** Wall time of each run, in run order. */
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  /** Median CPU of apt-get with its methods and their children. */
  readonly aptCpuMs: number;
  /** Median CPU of the benchmark's own loopback servers during a run. */
  readonly labCpuMs: number;
}

export function series(runs: readonly RunTiming[] | undefined): TimedSeries {
  const all = runs ?? [];
  return {
    runsMs: all.map((r) => round(r.wallMs)),
    medianMs: round(median(all.map((r) => r.wallMs))),
    aptCpuMs: round(median(all.map((r) => r.aptCpuMs))),
    labCpuMs: round(median(all.map((r) => r.labCpuMs))),
  };
}

export interface LookupFloor {
  /** Sequential requests per package and rebuilder (rebuilderd: search, then attestation). */
  readonly roundTrips: number;
  /** items × k × RTT / Max-Pipeline-Depth. */
  readonly pipelineMs: number;
  /** The same with the window the HTTP client allows each rebuilder, when that is smaller. */
  readonly clientMs: number;
  readonly pipelineDepth: number;
  /** min(per-host limit, overall limit / rebuilders): requests one rebuilder may have in flight. */
  readonly clientWindow: number;
}

export function lookupFloor(ctx: BenchContext, depth: number, items: number, roundTrips: number, rttMs: number): LookupFloor {
  // Every lookup asks all rebuilders at once, so they share the overall limit.
  const clientWindow = Math.min(DEFAULT_NET_LIMITS.maxInFlightPerHost, Math.floor(DEFAULT_NET_LIMITS.maxInFlight / ctx.profile.rebuilders));
  return {
    roundTrips,
    pipelineMs: round(lookupFloorMs(items, roundTrips, rttMs, depth)),
    clientMs: round(lookupFloorMs(items, roundTrips, rttMs, Math.min(depth, clientWindow))),
    pipelineDepth: depth,
    clientWindow,
  };
}
