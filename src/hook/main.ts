/**
 * The `DPkg::Pre-Install-Pkgs` (version 3) hook: the second gate, for every .deb
 * dpkg is about to unpack, including those that never went through the method
 * (a cached .deb, `apt install ./x.deb`, a `file:` repository). A non-zero exit
 * aborts the install before dpkg runs anything from the package.
 *
 * A .deb the method already decided costs one hash and a cache read: its
 * documents are verified again from the cache, with the origin the method
 * recorded. A .deb never seen (a local file) has no origin: origin rules do not
 * match it.
 */
import { resolve } from 'node:path';
import { showNodeWarnings } from '../node-warnings.js';
import { checkDeb, type CheckRequest } from '../runtime/check-deb.js';
import { debugLog, runDiagnostics, verdictDiagnostics } from '../runtime/diagnostics.js';
import { openRuntime, type Runtime } from '../runtime/runtime.js';
import { letThrough, oneLine } from '../verify/index.js';
import { parseHookInput, type InstallAction } from './input.js';
import { mapBounded } from '../parallel.js';
import { recordedOrigin } from '../runtime/recorded-origin.js';

export interface HookIo {
  readonly readInput: () => Promise<Uint8Array>;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
}

export async function runHook(io: HookIo): Promise<number> {
  let input;
  try {
    input = parseHookInput(await io.readInput());
  } catch (e) {
    io.stderr(`reprogate: cannot read apt's hook input, refusing the install: ${(e as Error).message}\n`);
    return 1;
  }
  if (input.config.getBool('Debug::Reprogate', false)) showNodeWarnings();
  const runtime = await openRuntime({
    config: input.config,
    env: io.env,
    now: io.now,
    // Whatever the method fetched is reused however old: the install follows the download.
    cacheMaxAgeMs: Number.POSITIVE_INFINITY,
    onWarning: (m) => io.stderr(`reprogate: warning: ${m}\n`),
  });
  try {
    const installs = input.actions.filter((a): a is InstallAction => a.kind === 'install');
    const archives = input.config.findDir('Dir::Cache::archives', '/var/cache/apt/archives/');
    const debug = debugLog(runtime.settings, io.stderr);
    if (debug) for (const line of runDiagnostics(runtime.settings, runtime.policy)) debug(line);
    const verdicts = await mapBounded(installs, 4, async (action) => {
      const started = performance.now();
      const { verdict } = await checkDeb(requestFor(action, runtime, archives, io.now), runtime.context);
      debug?.(`${action.path}: ${verdictDiagnostics(verdict, performance.now() - started)}`);
      await runtime.decisions.append(verdict).catch((e: unknown) => io.stderr(`reprogate: warning: cannot write the decision log: ${(e as Error).message}\n`));
      return verdict;
    });
    for (const v of verdicts) {
      if (!letThrough(v) || !v.accepted || v.code === 'ACCEPTED_EXEMPT') io.stderr(oneLine(v) + '\n');
    }
    return verdicts.every(letThrough) ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

/** What the hook asks about one .deb dpkg is about to unpack. */
export function requestFor(action: InstallAction, runtime: Runtime, archives: string, now: () => Date): CheckRequest {
  return {
    path: action.path,
    origin: undefined,
    // Only a .deb in apt's archives came through the method, and only for it is the
    // origin the method recorded meaningful. A local file never has one: the cache
    // is writable by `_apt`, and a planted entry must not pick a more lenient rule
    // for a file the method never saw.
    ...(isUnder(action.path, archives) ? { originFor: (sha256: string) => recordedOrigin(runtime, sha256, now()) } : {}),
    expected: { name: action.name, version: action.newVersion, architecture: action.newArch ?? '' },
  };
}

function isUnder(path: string, dir: string): boolean {
  const normal = resolve(path);
  return normal.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
