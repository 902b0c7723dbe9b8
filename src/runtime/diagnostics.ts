/**
 * What the pre-install hook and the CLI print on stderr under `Debug::Reprogate`
 * (the method has its own, through the relay's log): the settings and policy a run
 * uses, and per package the verdict with every rebuilder's outcome and how long
 * the check took. Without the key nothing here is printed.
 */
import { printableLine } from '../in-toto/index.js';
import type { Policy } from '../policy/index.js';
import type { Verdict } from '../verify/index.js';
import type { Settings } from './settings.js';

export type DebugLog = (line: string) => void;

/**
 * A debug log writing `reprogate: debug: …` lines, or undefined when the key is off.
 * Each is one printable line: file names come from apt or the command line.
 */
export function debugLog(settings: Settings, stderr: (text: string) => void): DebugLog | undefined {
  return settings.debug ? (line) => stderr(`reprogate: debug: ${printableLine(line, 4000)}\n`) : undefined;
}

export function runDiagnostics(settings: Settings, policy: Policy | Error): string[] {
  const lines = [`policy ${settings.policyFile}, cache ${settings.cacheDir}, decision log ${settings.logFile}`];
  if (policy instanceof Error) return [...lines, `policy unusable, every package will be refused: ${policy.message}`];
  const names = policy.rebuilders.map((r) => `${r.name} (${r.type} ${'url' in r ? r.url : r.directory})`).join(', ');
  lines.push(`mode ${policy.mode}, threshold ${policy.threshold} (from the ${policy.thresholdSource}), on conflict ${policy.onConflict}, rules ${policy.rules.length}, rebuilders: ${names}`);
  return [...lines, ...policy.warnings.map((w) => `policy: ${w}`)];
}

export function verdictDiagnostics(verdict: Verdict, elapsedMs: number): string {
  const p = verdict.package;
  const outcomes = verdict.rebuilders.map((r) => `${r.rebuilder}: ${r.status} (${r.reason})`).join('; ');
  const detail = verdict.detail === undefined || verdict.detail === '' ? '' : `; ${verdict.detail}`;
  return `${verdict.code}${verdict.enforced ? '' : ' (not enforced)'} ${p.name} ${p.version} ${p.architecture} sha256 ${p.sha256} in ${Math.round(elapsedMs)} ms, rule: ${verdict.rule}, [${outcomes}]${detail}`;
}
