/**
 * Renderings of a Verdict: the one line apt shows and the whole story for
 * `reprogate explain`. Scripts and the decision log get the Verdict itself as JSON.
 */
import { shortHash } from './decide.js';
import type { RebuilderOutcome, Verdict } from './verdict.js';

/** One line a human can act on: package, version, sha256, threshold, each rebuilder's outcome. */
export function oneLine(v: Verdict): string {
  const p = v.package;
  const what = `${p.name} ${p.version} ${p.architecture} (sha256 ${shortHash(p.sha256)})`;
  if (v.detail !== undefined) {
    return `reprogate: ${v.enforced ? 'refused' : 'audit: would refuse'} ${what}: ${v.detail}`;
  }
  const count = `${v.agreeingOperators.length} of ${v.threshold} independent rebuilders agree`;
  const outcomes = `[${v.rebuilders.map(outcomeText).join('; ') || 'no rebuilders apply'}]`;
  switch (v.code) {
    case 'ACCEPTED':
      return `reprogate: accepted ${what}: ${count} ${outcomes}`;
    case 'ACCEPTED_EXEMPT':
      return `reprogate: accepted ${what} by exemption until ${v.exemption?.until ?? '?'} (${v.exemption?.reason ?? ''}): ${count} ${outcomes}`;
    default: {
      const verb = v.enforced ? 'refused' : 'audit: would refuse';
      const why =
        v.code === 'REFUSED_CONFLICT'
          ? `a rebuilder signed a different sha256 for this file; ${count}`
          : v.code === 'REFUSED_INVALID'
            ? `exemption not applied because a document did not verify; ${count}`
            : v.exemption && !v.exemption.active
              ? `${count}; exemption expired on ${v.exemption.until}`
              : count;
      return `reprogate: ${verb} ${what}: ${why} ${outcomes}; run 'reprogate explain ${p.sha256}' for details`;
    }
  }
}

function outcomeText(o: RebuilderOutcome): string {
  return o.status === 'agrees' ? `${o.rebuilder}: agrees` : `${o.rebuilder}: ${o.status} (${o.reason})`;
}

/** The whole decision, rebuilder by rebuilder, for `reprogate explain`. */
export function explain(v: Verdict): string {
  const p = v.package;
  const lines = [
    `${p.name} ${p.version} ${p.architecture}`,
    `  sha256     ${p.sha256}`,
    `  origin     ${p.origin ?? '(local file: origin rules do not apply)'}`,
    `  decided    ${v.decidedAt}${v.enforced ? '' : ' (audit mode: refusals only warn)'}`,
    `  rule       ${v.rule}`,
    `  verdict    ${v.code}: ${v.accepted ? 'accepted' : 'refused'}`,
  ];
  if (v.detail !== undefined) {
    lines.push(`  reason     ${v.detail}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`  agreement  ${v.agreeingOperators.length} of ${v.threshold} required independent operators${v.agreeingOperators.length ? ` (${v.agreeingOperators.join(', ')})` : ''}`);
  if (v.exemption) {
    lines.push(`  exemption  ${v.exemption.active ? 'active' : 'EXPIRED'} until ${v.exemption.until}: ${v.exemption.reason}`);
  }
  lines.push('  rebuilders');
  for (const o of v.rebuilders) {
    lines.push(`    ${o.rebuilder} (operator ${o.operator}): ${o.status.toUpperCase()} [${o.code}]`);
    lines.push(`      ${o.reason}`);
    if (o.documents > 0) lines.push(`      ${o.documents} document${o.documents === 1 ? '' : 's'} considered`);
    if (o.transient) lines.push('      transient: may succeed on retry');
  }
  if (v.rebuilders.length === 0) lines.push('    (none apply to this package)');
  return lines.join('\n') + '\n';
}
