/**
 * What every workload is given: where the method is, how to report progress, and
 * the knobs for investigating a result — extra apt configuration for every root
 * (`BENCH_APT_CONFIG="Acquire::Max-Pipeline-Depth=50;…"`) and CPU profiles of
 * every method process (`BENCH_CPU_PROF=<dir>`: node refuses `--cpu-prof` in
 * NODE_OPTIONS, so a wrapper script takes the method's place in the methods folder).
 */
import { chmod, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDir, type AptConfigValue, type AptRoot } from '../support/aptlab/index.js';
import type { BenchProfile } from './profile.js';

export interface BenchContext {
  readonly profile: BenchProfile;
  /** What apt roots install as `reprogate+http`: dist/apt-method.js, or the profiling wrapper. */
  readonly method: string;
  /** argv[1] of the method's node process as apt runs it from `root` (W3 finds it by that). */
  methodArgv1(root: AptRoot): string;
  /** dist/pre-install-hook.js. */
  readonly hook: string;
  /** Added to every apt root's configuration. */
  readonly aptConfig: Readonly<Record<string, AptConfigValue>>;
  readonly progress: (line: string) => void;
}

/** `K=V;K=V` → config entries; a value may not hold `;`. */
export function parseAptConfig(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (text ?? '').split(';')) {
    const eq = item.indexOf('=');
    if (item.trim() === '') continue;
    if (eq <= 0) throw new Error(`BENCH_APT_CONFIG item ${JSON.stringify(item)} is not KEY=VALUE`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

export interface MethodLauncher {
  readonly method: string;
  methodArgv1(root: AptRoot): string;
}

/** The method as installed in apt roots: the bundle itself, named after its scheme by the methods-folder link. */
export function plainLauncher(bundle: string, scheme: string): MethodLauncher {
  return { method: bundle, methodArgv1: (root) => join(root.methodsDir, scheme) };
}

/**
 * A wrapper that runs the bundle under `node --cpu-prof`, through a link named
 * after the scheme (the method reads its scheme from argv[1]'s name). `profileDir`
 * must be writable by `_apt`: the method drops to it before it exits.
 */
export async function profilingLauncher(dir: string, bundle: string, scheme: string, profileDir: string): Promise<MethodLauncher> {
  const named = join(await makeDir(join(dir, 'node')), scheme);
  await symlink(bundle, named);
  const wrapper = join(dir, scheme);
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  await writeFile(wrapper, `#!/bin/sh\nexec ${quote(process.execPath)} --cpu-prof --cpu-prof-dir=${quote(profileDir)} ${quote(named)} "$@"\n`);
  await chmod(wrapper, 0o755);
  return { method: wrapper, methodArgv1: () => named };
}
