/**
 * The world the threat scenarios run in: real .deb files built by `dpkg-deb`, a
 * policy loaded through the program's own loader, and the program's own `checkDeb`
 * (hash, identity from control fields, evidence, decide). Rebuilders are either
 * fixed answers (the document-level threats: what a rebuilder serves is the attack)
 * or real adapters over a bounded HTTP client (the network faults, `network.ts`).
 *
 * Nothing here decides anything: every verdict in a scenario comes from src/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttestationCache } from '../../../src/cache/index.js';
import { PolicyError, type Policy } from '../../../src/policy/index.js';
import type { LookupResult, RebuilderAdapter } from '../../../src/rebuilders/index.js';
import { checkDeb, type CheckRequest, type CheckResult } from '../../../src/runtime/check-deb.js';
import type { EvidenceSources } from '../../../src/runtime/evidence.js';
import type { RebuilderOutcome, Verdict } from '../../../src/verify/index.js';
import { buildDeb, type BuiltDeb, type DebSpec } from '../../support/aptlab/index.js';

/** Between the in-toto-run fixtures' revocations (2024-09-01) and their layouts' expiry (2030-01-01). */
export const NOW = new Date('2026-11-25T12:00:00Z');

/** A temporary folder for one test file; `remove` deletes it. */
export async function scratch(prefix: string): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `reprogate-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A real package, as a mirror would serve it (`dpkg-deb --build`, reproducible). */
export function realDeb(dir: string, spec: Partial<DebSpec> & Pick<DebSpec, 'name' | 'version'>): Promise<BuiltDeb> {
  return buildDeb(dir, { architecture: 'amd64', ...spec });
}

/** The documents a rebuilder serves, as a lookup result. */
export function served(...documents: readonly Uint8Array[]): LookupResult {
  return { status: 'found', documents: documents.map((bytes, i) => ({ url: `https://rebuilder.example/attestation/${i}`, bytes })) };
}

export const NOTHING_FOUND: LookupResult = { status: 'missing', code: 'REBUILDER_NOT_FOUND', reason: 'HTTP 404', transient: false };

/** A rebuilder that always gives the same answer, and counts how often it was asked. */
export function fixedAdapter(answer: LookupResult): RebuilderAdapter & { readonly calls: number } {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    lookup: () => {
      calls += 1;
      return Promise.resolve(answer);
    },
  };
}

export interface Scenario {
  /** The loaded policy, or the error loading it failed with (then everything is refused). */
  readonly policy: Policy | Error;
  /** What each rebuilder serves, by policy name; a rebuilder left out has no adapter. */
  readonly answers?: Readonly<Record<string, LookupResult>>;
  readonly adapters?: ReadonlyMap<string, RebuilderAdapter>;
  readonly cache?: AttestationCache;
  /** How long cached answers are reused (default: a day, as the method does). */
  readonly cacheMaxAgeMs?: number;
}

/** Runs the program's own end-to-end check of one .deb file. */
export function check(request: CheckRequest, scenario: Scenario): Promise<CheckResult> {
  const adapters = new Map(scenario.adapters ?? []);
  for (const [name, answer] of Object.entries(scenario.answers ?? {})) adapters.set(name, fixedAdapter(answer));
  const sources: EvidenceSources = {
    adapters,
    cacheMaxAgeMs: scenario.cacheMaxAgeMs ?? 24 * 3600 * 1000,
    ...(scenario.cache ? { cache: scenario.cache } : {}),
  };
  return checkDeb(request, { policy: scenario.policy, sources, now: () => NOW });
}

/** The PolicyError a policy load must fail with; fails the test if it loads or fails otherwise. */
export async function policyErrorOf(loading: Promise<unknown>): Promise<PolicyError> {
  const error = await loading.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PolicyError)) throw new Error(`expected a PolicyError, got ${String(error)}`);
  return error;
}

/** The outcome recorded for one rebuilder; fails the test if the verdict has none. */
export function outcomeOf(verdict: Verdict, rebuilder: string): RebuilderOutcome {
  const outcome = verdict.rebuilders.find((o) => o.rebuilder === rebuilder);
  if (outcome === undefined) throw new Error(`the verdict records no outcome for ${rebuilder}: ${JSON.stringify(verdict.rebuilders)}`);
  return outcome;
}

export interface RebuilderLine {
  readonly name: string;
  readonly operator?: string;
  readonly keys: readonly string[];
  readonly type?: 'rebuilderd' | 'sources';
  readonly url?: string;
}

/**
 * Policy YAML as an admin writes it. Key paths are relative to the policy file
 * (`policyFrom` serves them from memory under /etc/reprogate/).
 */
export function policyYaml(options: { threshold?: number; rebuilders: readonly RebuilderLine[]; extra?: string; top?: string }): string {
  const lines = [
    'version: 1',
    ...(options.top === undefined ? [] : [options.top]),
    ...(options.threshold === undefined ? [] : [`threshold: ${options.threshold}`]),
    'rebuilders:',
    ...options.rebuilders.map((r) => {
      const operator = r.operator === undefined ? '' : ` operator: ${r.operator},`;
      const url = r.url ?? `https://${r.name}.example/`;
      return `  - { name: ${r.name},${operator} type: ${r.type ?? 'sources'}, url: "${url}", keys: [${r.keys.join(', ')}] }`;
    }),
  ];
  return `${lines.join('\n')}\n${options.extra ?? ''}`;
}
