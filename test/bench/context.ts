/**
 * What every workload is given: where the method is, how to report progress, and
 * the knobs for investigating a result — extra apt configuration for every root
 * (`BENCH_APT_CONFIG="Acquire::Max-Pipeline-Depth=50;…"`) and CPU profiles of
 * every method process (`BENCH_CPU_PROF=<dir>`: node refuses `--cpu-prof` in
 * NODE_OPTIONS, so a variant of the launcher takes the method's place in the methods folder).
 */
import { chmod, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AptConfigValue, AptRoot } from '../support/aptlab/index.js';
import type { BenchProfile } from './profile.js';

export interface BenchContext {
  readonly profile: BenchProfile;
  /** What apt roots install as `reprogate+http`: dist/apt-method, or the profiling wrapper. */
  readonly method: string;
  /** The path apt runs the method by in `root`: the last argument of its processes (W3 finds them by it). */
  methodInvokedAs(root: AptRoot): string;
  /** dist/pre-install-hook.js. */
  readonly hook: string;
  /** Added to every apt root's configuration. */
  readonly aptConfig: Readonly<Record<string, AptConfigValue>>;
  /**
   * The apt.conf.d files the package installs that bear on downloads (name → text),
   * for reprogate's roots only: what installing reprogate does to a machine.
   */
  readonly packageConfParts: Readonly<Record<string, string>>;
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
  methodInvokedAs(root: AptRoot): string;
}

/** The method as installed in apt roots: dist/apt-method, named after its scheme by the methods-folder link. */
export function plainLauncher(launcher: string, scheme: string): MethodLauncher {
  return { method: launcher, methodInvokedAs: (root) => join(root.methodsDir, scheme) };
}

/**
 * dist/apt-method with node started under `--cpu-prof`, and the method proper
 * named by its absolute path (the variant lives elsewhere). `profileDir` must be
 * writable by `_apt`: the method drops to it before it exits.
 */
export async function profilingLauncher(dir: string, launcher: string, scheme: string, profileDir: string): Promise<MethodLauncher> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const text = await readFile(launcher, 'utf8');
  // The launcher's own node flags are kept: a profile of another configuration would mislead.
  const exec = /^exec node ((?:--[a-z0-9-]+(?:=[\w.-]+)? )*)"\$\{self%\/\*\}\/apt-method-main\.js" "\$0"$/m.exec(text);
  if (exec === null) throw new Error(`${launcher} no longer ends in \`exec node [flags] "\${self%/*}/apt-method-main.js" "$0"\`: update the profiling variant`);
  const main = join(dirname(await realpath(launcher)), 'apt-method-main.js');
  const wrapper = join(dir, scheme);
  const profiled = `exec ${quote(process.execPath)} ${exec[1] ?? ''}--cpu-prof --cpu-prof-dir=${quote(profileDir)} ${quote(main)} "$0"`;
  await writeFile(wrapper, text.replace(exec[0], profiled));
  await chmod(wrapper, 0o755);
  return { method: wrapper, methodInvokedAs: (root) => join(root.methodsDir, scheme) };
}

/** The package's apt.conf.d files that change how apt downloads (as shipped in apt-hooks/): name → path. */
export function packageConfFiles(repoRoot: string): Record<string, string> {
  const name = '10reprogate-pipeline';
  return { [name]: join(repoRoot, 'apt-hooks', name) };
}
