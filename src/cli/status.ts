/**
 * `reprogate status [--json] [--offline]`: for every installed package, how many
 * independent rebuilders attest the installed version, judged by the policy as
 * apt would judge it now.
 *
 * dpkg keeps no hash of the .deb it installed, so the sha256 comes from apt's
 * package lists (the Packages entry with the same name, version and architecture).
 * Where the lists have none (a local .deb, a repository since removed) or hold two
 * different ones for that version, the hash is "unknown": nothing is claimed about
 * a file we cannot name. Attestations come from the cache first, then the network
 * (`--offline`: the cache alone, however old), a few packages at a time.
 *
 * Exit 0 when the policy accepts every package whose hash is known (in audit mode
 * too: this reports what enforcing would do), 1 otherwise, 2 when the policy or
 * dpkg's status file cannot be read. Deliberately not here: the decision log (this
 * is a report, not an install) and any change to the system.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AptConfig } from '../apt/index.js';
import { hasCode } from '../errors.js';
import { selectRule, type Policy } from '../policy/index.js';
import { collectEvidence } from '../runtime/evidence.js';
import { recordedOrigin } from '../runtime/recorded-origin.js';
import { DEFAULT_CACHE_MAX_AGE_MS, openRuntime, type Runtime } from '../runtime/runtime.js';
import { settingsFrom } from '../runtime/settings.js';
import { decide, refusalVerdict, type PackageFacts, type Verdict, type VerdictCode } from '../verify/index.js';
import { readAptConfig } from './apt-config.js';
import { parseDpkgStatus, type InstalledPackage } from './dpkg-status.js';
import { EnvironmentError, EXIT } from './errors.js';
import type { CliIo } from './io.js';
import { findListedHashes, packageKey, type ListedHash } from './package-lists.js';
import { mapBounded } from '../parallel.js';

export interface StatusOptions {
  readonly json?: boolean;
  /** The cache only, whatever its age; never the network. */
  readonly offline?: boolean;
  readonly policy?: string;
  readonly option?: readonly string[];
}

/** Packages looked up at once: each asks every rebuilder, and the HTTP client bounds requests per host too. */
export const PARALLEL_PACKAGES = 8;

export interface PackageStatus {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly sha256: string | null;
  readonly verdict: Verdict | null;
  /** Why the sha256 is unknown; absent when it is known. */
  readonly unknown?: string;
}

export interface StatusSummary {
  readonly installed: number;
  /** Packages with no single sha256 in apt's lists. */
  readonly unknown: number;
  readonly checked: number;
  readonly accepted: number;
  readonly notAccepted: number;
  /** How many verdicts of each code. */
  readonly codes: Partial<Record<VerdictCode, number>>;
  readonly mode: Policy['mode'];
}

export async function statusCommand(options: StatusOptions, io: CliIo): Promise<number> {
  const progress = new Progress(io);
  const warn = (message: string): void => progress.interrupt(() => io.stderr(`reprogate: warning: ${message}\n`));
  const policyOverride = options.policy !== undefined ? [`Reprogate::Policy=${resolve(options.policy)}`] : [];
  const config = await readAptConfig([...(options.option ?? []), ...policyOverride]);
  const offline = options.offline ?? false;
  const runtime = await openRuntime({
    config,
    env: io.env,
    now: io.now,
    offline,
    // Offline, whatever the cache holds is all there is; decide() re-verifies it either way.
    cacheMaxAgeMs: offline ? Number.POSITIVE_INFINITY : DEFAULT_CACHE_MAX_AGE_MS,
    // A user who cannot write apt's cache may still read it.
    cacheWrites: !offline && (await writable(settingsFrom(config).cacheDir)),
    onWarning: warn,
  });
  try {
    const policy = runtime.policy;
    if (policy instanceof Error) {
      io.stderr(`reprogate: ${policy.message}${hasCode(policy) ? ` [${policy.code}]` : ''}\n`);
      return EXIT.usage;
    }
    const installed = await readInstalled(config);
    progress.show("reading apt's package lists");
    const listed = await findListedHashes(
      config.findDir('Dir::State::lists', '/var/lib/apt/lists/'),
      new Set(installed.map((p) => packageKey(p.name, p.version, p.architecture))),
      warn,
    );
    const identified = installed.map((pkg) => ({ pkg, known: knownHash(listed.get(packageKey(pkg.name, pkg.version, pkg.architecture)) ?? []) }));
    const toCheck = identified.filter(({ known }) => !('unknown' in known)).length;
    let done = 0;
    const statuses = await mapBounded(identified, PARALLEL_PACKAGES, async ({ pkg, known }): Promise<PackageStatus> => {
      const base = { name: pkg.name, version: pkg.version, architecture: pkg.architecture };
      if ('unknown' in known) return { ...base, sha256: null, verdict: null, unknown: known.unknown };
      const verdict = await judge(pkg, known.sha256, known.origin, runtime, policy, io.now());
      progress.show(`checked ${++done} of ${toCheck} packages`);
      return { ...base, sha256: known.sha256, verdict };
    });
    progress.clear();

    const summary = summarize(statuses, policy.mode);
    io.stdout(options.json ? JSON.stringify({ packages: statuses, summary }, null, 2) + '\n' : describeStatus(statuses, summary));
    return summary.notAccepted === 0 ? EXIT.ok : EXIT.finding;
  } finally {
    progress.clear();
    await runtime.close();
  }
}

async function readInstalled(config: AptConfig): Promise<InstalledPackage[]> {
  const file = config.findDir('Dir::State::status', '/var/lib/dpkg/status').replace(/\/$/, '');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new EnvironmentError(`cannot read dpkg's status file ${file}: ${(e as Error).message}`, { cause: e });
  }
  // Sorted for a stable report: dpkg's own order is not meaningful.
  return parseDpkgStatus(text).sort((a, b) => compare(a.name, b.name) || compare(a.architecture, b.architecture));
}

/** One sha256, or why there is none: a version the lists hash two ways cannot be told apart. */
function knownHash(entries: readonly ListedHash[]): { sha256: string; origin: string | undefined } | { unknown: string } {
  const hashes = [...new Set(entries.map((e) => e.sha256))];
  if (hashes.length === 0) return { unknown: "not in apt's package lists" };
  if (hashes.length > 1) return { unknown: `apt's lists hold ${hashes.length} different sha256 for this version` };
  const origins = [...new Set(entries.map((e) => e.origin))];
  return { sha256: hashes[0]!, origin: origins.length === 1 ? origins[0] : undefined };
}

async function judge(pkg: InstalledPackage, sha256: string, listOrigin: string | undefined, runtime: Runtime, policy: Policy, now: Date): Promise<Verdict> {
  // The origin the method recorded when it fetched this very file wins; else the one repository listing it.
  const origin = (await recordedOrigin(runtime, sha256, now).catch(() => undefined)) ?? listOrigin;
  const facts: PackageFacts = { name: pkg.name, version: pkg.version, architecture: pkg.architecture, sha256, origin };
  try {
    const rule = selectRule(policy, { name: pkg.name, origin });
    const query = { name: pkg.name, version: pkg.version, architecture: pkg.architecture, source: pkg.source, sha256 };
    const evidence = await collectEvidence(query, rule.rebuilders, runtime.context.sources, { now, origin });
    return decide(facts, evidence, policy, now);
  } catch (e) {
    return refusalVerdict(facts, 'REFUSED_INTERNAL', `unexpected error: ${(e as Error).message}`, now, policy.mode === 'enforce');
  }
}

export function summarize(statuses: readonly PackageStatus[], mode: Policy['mode']): StatusSummary {
  const verdicts = statuses.flatMap((s) => (s.verdict ? [s.verdict] : []));
  const codes: Partial<Record<VerdictCode, number>> = {};
  for (const v of verdicts) codes[v.code] = (codes[v.code] ?? 0) + 1;
  const accepted = verdicts.filter((v) => v.accepted).length;
  return {
    installed: statuses.length,
    unknown: statuses.length - verdicts.length,
    checked: verdicts.length,
    accepted,
    notAccepted: verdicts.length - accepted,
    codes,
    mode,
  };
}

/** The report for people: one line per package, then the totals. Pure. */
export function describeStatus(statuses: readonly PackageStatus[], summary: StatusSummary): string {
  const ids = statuses.map((s) => `${s.name} ${s.version} ${s.architecture}`);
  const width = Math.min(60, Math.max(0, ...ids.map((id) => id.length)));
  const lines = statuses.map((s, i) => {
    const id = ids[i]!.padEnd(width);
    if (!s.verdict) return `${id} ${'?'.padStart(5)}  unknown: ${s.unknown ?? 'no sha256'}`;
    return `${id} ${`${s.verdict.agreeingOperators.length}/${s.verdict.threshold}`.padStart(5)}  ${s.verdict.code}`;
  });
  const codes = (accepted: boolean): string =>
    Object.entries(summary.codes)
      .filter(([code]) => code.startsWith('ACCEPTED') === accepted)
      .map(([code, n]) => `${n} ${code}`)
      .join(', ');
  lines.push(
    '',
    `${plural(summary.installed, 'installed package')}: ${summary.checked} with a sha256 in apt's lists, ${summary.unknown} unknown`,
    `  ${summary.accepted} accepted${summary.accepted > 0 ? ` (${codes(true)})` : ''}`,
    `  ${summary.notAccepted} not accepted${summary.notAccepted > 0 ? ` (${codes(false)})` : ''}`,
  );
  if (summary.mode === 'audit' && summary.notAccepted > 0) lines.push('  the policy is in audit mode: apt warns about these but does not refuse them');
  return lines.join('\n') + '\n';
}

/** One line on stderr that rewrites itself (`\r`), at most ten times a second; nothing unless on a terminal. */
class Progress {
  private shown = 0;
  private last = 0;

  constructor(private readonly io: CliIo) {}

  show(text: string): void {
    if (!this.io.isTTY) return;
    const now = this.io.now().getTime();
    if (this.shown > 0 && now - this.last < 100) return;
    this.last = now;
    const line = `reprogate: ${text}`;
    this.io.stderr(`\r${line.padEnd(this.shown)}`);
    this.shown = line.length;
  }

  clear(): void {
    if (this.shown === 0) return;
    this.io.stderr(`\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }

  /** Write something else on stderr without it landing in the middle of the progress line. */
  interrupt(write: () => void): void {
    this.clear();
    write();
  }
}

async function writable(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
