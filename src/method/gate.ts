/**
 * The verifying gate the relay calls: lookups start when the `600` arrives, the
 * downloaded file is checked when apt's http method reports it done, every
 * decision is logged, and the Verdict becomes apt's answer — `201` with the
 * hashes we computed (plus a `104 Warning` for an exempt or audit-mode pass), or
 * `400` with the one-line reason. Built when apt first asks for a package, by then
 * the process runs as `_apt` (process-setup.ts).
 */
import type { AcquireItem, AptConfig, GateResult, RelayGate, RelayLog } from '../apt/index.js';
import { selectRule } from '../policy/index.js';
import type { ExtraDigest, FileDigests } from '../deb/index.js';
import type { PackageQuery } from '../rebuilders/index.js';
import { checkDeb, type CheckRequest } from '../runtime/check-deb.js';
import { collectEvidence } from '../runtime/evidence.js';
import { DEFAULT_CACHE_MAX_AGE_MS, openRuntime, type Runtime } from '../runtime/runtime.js';
import { letThrough, oneLine, type Evidence, type Verdict } from '../verify/index.js';
import { hintsFrom, type AcquireHints } from './hints.js';

export interface GateDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
}

export async function createVerifyingGate(config: AptConfig, log: RelayLog, deps: GateDeps): Promise<RelayGate> {
  const runtime = await openRuntime({
    config,
    env: deps.env,
    now: deps.now,
    cacheMaxAgeMs: DEFAULT_CACHE_MAX_AGE_MS,
    onWarning: (m) => log.error(`reprogate: ${m}`),
  });
  if (runtime.policy instanceof Error) log.error(`reprogate: every package will be refused: ${runtime.policy.message}`);
  else for (const w of runtime.policy.warnings) log.debug(`policy: ${w}`);

  const forcedHash = config.get('Acquire::ForceHash');
  const early = new Map<string, { query: PackageQuery; evidence: Promise<Map<string, Evidence>> }>();

  return {
    onAcquire(item) {
      const started = prefetch(runtime, hintsFrom(item), deps.now());
      if (started) {
        early.set(item.uri, started);
        log.debug(`lookups started for ${started.query.name} ${started.query.version}`);
      }
    },
    async gate(item, filename, signal) {
      const hints = hintsFrom(item);
      const prefetched = early.get(item.uri);
      early.delete(item.uri);
      const request: CheckRequest = {
        path: filename,
        origin: hints.origin,
        expectedSha256: hints.sha256,
        expected: hints.name !== undefined && hints.version !== undefined && hints.architecture !== undefined
          ? { name: hints.name, version: hints.version, architecture: hints.architecture }
          : undefined,
        prefetched,
        extraDigests: forcedDigests(forcedHash, item),
      };
      const result = await checkDeb(request, { ...runtime.context, signal });
      const { verdict, digests } = result;
      await runtime.decisions.append(verdict).catch((e: unknown) => log.error(`reprogate: cannot write the decision log: ${(e as Error).message}`));
      log.debug(`${verdict.code} ${verdict.package.name} ${verdict.package.version}`);
      return answer(verdict, digests);
    },
  } satisfies RelayGate;
}

function prefetch(runtime: Runtime, hints: AcquireHints, now: Date): { query: PackageQuery; evidence: Promise<Map<string, Evidence>> } | undefined {
  const policy = runtime.policy;
  if (policy instanceof Error || hints.name === undefined || hints.version === undefined || hints.architecture === undefined || hints.sha256 === undefined) {
    return undefined;
  }
  const query: PackageQuery = {
    name: hints.name,
    version: hints.version,
    architecture: hints.architecture,
    // The source is unknown until the control fields are read; the binary's name is the first guess.
    source: { name: hints.name, version: hints.version },
    sha256: hints.sha256,
  };
  const rule = selectRule(policy, { name: hints.name, origin: hints.origin });
  const evidence = collectEvidence(query, rule.rebuilders, runtime.context.sources, { now, origin: hints.origin, provisional: true });
  // Never an unhandled rejection: if it fails, the gate collects again.
  evidence.catch(() => undefined);
  return { query, evidence };
}

/**
 * apt compares only the hash types both its index and the method report, and needs
 * one in common; SHA-256 is in every index apt accepts. SHA-512 and MD5 cost three
 * times as much as SHA-256 together, so they are computed only when
 * `Acquire::ForceHash` makes apt compare that type alone.
 */
export function forcedDigests(forced: string | undefined, item: Pick<AcquireItem, 'expected'>): ExtraDigest[] {
  const type = forced?.trim().toLowerCase();
  if (type === 'sha512' && item.expected.sha512 !== undefined) return ['sha512'];
  if ((type === 'md5sum' || type === 'md5') && item.expected.md5 !== undefined) return ['md5'];
  return [];
}

/** What the relay tells apt about a decided package. */
export function answer(verdict: Verdict, digests: FileDigests | undefined): GateResult {
  const failReason = `Reprogate${pascal(verdict.code)}`;
  if (!letThrough(verdict)) return { accept: false, message: oneLine(verdict), failReason };
  if (digests === undefined) {
    // Audit mode lets every verdict through, but apt needs the hashes of what it
    // downloaded, and the gate could not read the file to compute them.
    const p = verdict.package;
    return { accept: false, message: `reprogate: cannot report the hashes of ${p.name} ${p.version} ${p.architecture}: ${verdict.detail ?? 'the file was not read'}`, failReason };
  }
  const warn = !verdict.accepted || verdict.code === 'ACCEPTED_EXEMPT';
  return { accept: true, hashes: digests, ...(warn ? { warning: oneLine(verdict) } : {}) };
}

/** `REFUSED_BELOW_THRESHOLD` → `RefusedBelowThreshold`, the style of apt's own FailReasons. */
function pascal(code: string): string {
  return code.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
}
