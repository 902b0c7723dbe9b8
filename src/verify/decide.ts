/**
 * The decision: pure and synchronous. Bytes the rebuilders returned, the policy,
 * the package and one `now` in; a Verdict out.
 *
 * It walks the rebuilders the applicable rule names (not the documents that
 * happened to arrive), records one outcome for each, and counts agreement over
 * distinct operators. Copies of one document collapse, subkeys collapse onto
 * their primary key, and rebuilders of one operator count once — each of these
 * is a classic way to count one voice twice.
 */
import { findSubjectsWithDigest, parseAttestation, printableLine, verifyAttestation, InTotoError, type ParsedAttestation, type PublicKey } from '../in-toto/index.js';
import { versionWithoutEpoch } from '../deb/fields.js';
import { isExemptionActive, selectRule, type Policy, type Rebuilder } from '../policy/index.js';
import type { PackageFacts, RebuilderOutcome, Verdict, VerdictCode } from './verdict.js';

/** What a rebuilder lookup produced; never an exception. */
export type Evidence =
  | { readonly status: 'found'; readonly documents: readonly { readonly url: string; readonly bytes: Uint8Array }[] }
  | { readonly status: 'missing'; readonly code: string; readonly reason: string; readonly transient: boolean };

export function decide(pkg: PackageFacts, evidence: ReadonlyMap<string, Evidence>, policy: Policy, now: Date): Verdict {
  const applied = selectRule(policy, { name: pkg.name, origin: pkg.origin });
  const outcomes = applied.rebuilders.map((r) => judgeRebuilder(r, evidence.get(r.name), pkg, now));

  const agreeingOperators = [...new Set(outcomes.filter((o) => o.status === 'agrees').map((o) => o.operator))];
  const conflict = outcomes.some((o) => o.status === 'conflicts');
  const invalid = outcomes.some((o) => o.status === 'invalid');
  const met = agreeingOperators.length >= applied.threshold;
  const exemption = applied.exemption && { reason: applied.exemption.reason, until: applied.exemption.until, active: isExemptionActive(applied.exemption, now) };

  const code: VerdictCode =
    conflict && policy.onConflict === 'refuse'
      ? 'REFUSED_CONFLICT'
      : met
        ? 'ACCEPTED'
        : !exemption?.active
          ? 'REFUSED_BELOW_THRESHOLD'
          : // An exemption only forgives a short count: never a conflict, never a bad document.
            conflict
            ? 'REFUSED_CONFLICT'
            : invalid
              ? 'REFUSED_INVALID'
              : 'ACCEPTED_EXEMPT';

  return {
    accepted: code === 'ACCEPTED' || code === 'ACCEPTED_EXEMPT',
    code,
    enforced: policy.mode === 'enforce',
    package: pkg,
    threshold: applied.threshold,
    agreeingOperators,
    rebuilders: outcomes,
    rule: applied.description,
    ...(exemption ? { exemption } : {}),
    decidedAt: now.toISOString(),
  };
}

/**
 * The file name pool files and link products use: no epoch. Only the conflict
 * check uses it; names never make a vote.
 */
export function debFileName(pkg: Pick<PackageFacts, 'name' | 'version' | 'architecture'>): string {
  return `${pkg.name}_${versionWithoutEpoch(pkg.version)}_${pkg.architecture}.deb`;
}

/** Reasons quote what rebuilders sent: every outcome carries one bounded, printable line. */
function judgeRebuilder(rebuilder: Rebuilder, ev: Evidence | undefined, pkg: PackageFacts, now: Date): RebuilderOutcome {
  const outcome = judgeUnsanitised(rebuilder, ev, pkg, now);
  return { ...outcome, reason: printableLine(outcome.reason), code: printableLine(outcome.code, 64) };
}

function judgeUnsanitised(rebuilder: Rebuilder, ev: Evidence | undefined, pkg: PackageFacts, now: Date): RebuilderOutcome {
  const base = { rebuilder: rebuilder.name, operator: rebuilder.operator };
  if (ev === undefined) {
    return { ...base, status: 'missing', code: 'NOT_FETCHED', reason: 'not consulted', transient: true, documents: 0, signers: [] };
  }
  if (ev.status === 'missing') {
    return { ...base, status: 'missing', code: ev.code, reason: ev.reason, transient: ev.transient, documents: 0, signers: [] };
  }

  const parsed = new Map<string, ParsedAttestation>();
  const broken: { code: string; reason: string }[] = [];
  for (const doc of ev.documents) {
    try {
      const p = parseAttestation(doc.bytes);
      // A document served twice (or under two URLs) is one document.
      if (!parsed.has(p.contentDigest)) parsed.set(p.contentDigest, p);
      else mergeSignatures(parsed, p);
    } catch (e) {
      broken.push(failure(e));
    }
  }

  const ownName = debFileName(pkg);
  const signers = new Map<string, PublicKey>();
  let conflictingSha256: string | undefined;
  const unverified: { code: string; reason: string }[] = [...broken];
  let unrelated = 0;
  for (const doc of parsed.values()) {
    const check = verifyAttestation(doc, rebuilder.keys, now);
    if (!check.ok) {
      unverified.push({ code: check.code, reason: check.reason });
      continue;
    }
    if (findSubjectsWithDigest(doc, pkg.sha256).length > 0) {
      for (const k of check.attestation.signers) signers.set(k.identity, k);
      continue;
    }
    const rival = doc.subjects.find((s) => s.name === ownName && s.digest['sha256'] !== undefined);
    if (rival) conflictingSha256 ??= rival.digest['sha256'];
    else unrelated++;
  }

  const documents = parsed.size + broken.length;
  // A rebuilder that signed another sha256 for this very file contradicts the
  // download even if it also signed ours: that is the case a conflict exists for.
  if (conflictingSha256 !== undefined) {
    return {
      ...base,
      status: 'conflicts',
      code: 'CONFLICT',
      reason: `signed sha256 ${shortHash(conflictingSha256)} for ${ownName}`,
      conflictingSha256,
      documents,
      signers: [...signers.values()].map((k) => k.description),
    };
  }
  if (signers.size > 0) {
    const names = [...signers.values()].map((k) => k.description);
    return { ...base, status: 'agrees', code: 'AGREES', reason: `signed by ${names.join(', ')}`, documents, signers: names };
  }
  const first = unverified[0];
  if (first) return { ...base, status: 'invalid', code: first.code, reason: first.reason, documents, signers: [] };
  return {
    ...base,
    status: 'missing',
    code: 'NO_MATCHING_ATTESTATION',
    reason: unrelated > 0 ? `no attestation for this sha256 (${unrelated} for other artifacts)` : 'no attestation',
    transient: false,
    documents,
    signers: [],
  };
}

/** Two copies of one signed content: keep one, with every signature either carried. */
function mergeSignatures(parsed: Map<string, ParsedAttestation>, extra: ParsedAttestation): void {
  const kept = parsed.get(extra.contentDigest)!;
  parsed.set(extra.contentDigest, { ...kept, signatures: [...kept.signatures, ...extra.signatures].slice(0, 64) });
}

function failure(e: unknown): { code: string; reason: string } {
  if (e instanceof InTotoError) return { code: e.code, reason: e.message };
  return { code: 'INTERNAL', reason: e instanceof Error ? e.message : String(e) };
}

export function shortHash(sha256: string): string {
  return `${sha256.slice(0, 4)}…${sha256.slice(-2)}`;
}
