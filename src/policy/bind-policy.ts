/**
 * PolicyDocument + loaded keys (+ verified trust-root layout) -> Policy. Pure:
 * the loader has read every file; this checks what only the keys can tell:
 * - a key may vouch for one operator only, or one signer would be counted as two
 *   independent rebuilders (the classic threshold bug, here at configuration time);
 * - with a trust root, each rebuilder's keys must be among the keys the layout's
 *   `rebuild` step authorises, and the threshold has one source of truth.
 */
import type { PublicKey, VerifiedLayout } from '../in-toto/index.js';

import type { FileReference, PolicyDocument, RebuilderDocument, RebuilderEndpoint } from './document.js';
import { PolicyError } from './errors.js';
import type { Policy, Rebuilder, TrustRoot } from './policy.js';
import { assertThresholdsReachable } from './thresholds.js';

/** The step of a trust-root layout whose keys and threshold we take. */
export const TRUST_ROOT_STEP = 'rebuild';

/** A key with the rebuilder and the key file it came from, for errors that point at the line. */
interface PinnedKey {
  readonly key: PublicKey;
  readonly rebuilder: RebuilderDocument;
  readonly reference: FileReference;
}

export function bindPolicy(
  doc: PolicyDocument,
  keysByFile: ReadonlyMap<string, readonly PublicKey[]>,
  trustRoot?: VerifiedLayout,
  options: { allowMissingKeys?: boolean } = {},
): Policy {
  const pinned = doc.rebuilders.flatMap((rebuilder) =>
    rebuilder.keys.flatMap((reference) => keysIn(doc, reference, keysByFile, options.allowMissingKeys === true).map((key) => ({ key, rebuilder, reference }))),
  );
  assertOneOperatorPerKey(doc, pinned);

  const rebuilders: Rebuilder[] = doc.rebuilders.map((rebuilder) => ({
    ...endpointOf(rebuilder),
    name: rebuilder.name,
    operator: rebuilder.operator,
    keys: uniqueByFingerprint(pinned.filter((p) => p.rebuilder === rebuilder).map((p) => p.key)),
  }));

  const { threshold, thresholdSource, root } = resolveTrust(doc, pinned, trustRoot);
  assertThresholdsReachable(doc, threshold, thresholdSource === 'trust-root' ? 'trust-root.layout' : 'threshold');

  return {
    file: doc.file,
    mode: doc.mode,
    threshold,
    thresholdSource,
    onConflict: doc.onConflict,
    rebuilders,
    rules: doc.rules,
    trustRoot: root,
    warnings: [],
  };
}

function keysIn(doc: PolicyDocument, reference: FileReference, keysByFile: ReadonlyMap<string, readonly PublicKey[]>, allowMissing: boolean): readonly PublicKey[] {
  const keys = keysByFile.get(reference.file);
  const problem = keys === undefined ? 'was not loaded' : keys.length === 0 && !(allowMissing && doc.mode === 'audit') ? 'holds no public key' : undefined;
  if (problem !== undefined) {
    throw new PolicyError('POLICY_KEY_FILE', { file: doc.file, line: reference.line, path: reference.path }, `key file ${reference.file} ${problem}`);
  }
  return keys ?? [];
}

function assertOneOperatorPerKey(doc: PolicyDocument, pinned: readonly PinnedKey[]): void {
  // Both hashes count: a subkey shares its primary's identity, and the same material
  // may sit in two certificates under different primaries.
  const owners = new Map<string, PinnedKey>();
  for (const entry of pinned) {
    for (const hash of new Set([entry.key.identity, entry.key.fingerprint])) {
      const owner = owners.get(hash);
      if (owner === undefined) {
        owners.set(hash, entry);
        continue;
      }
      if (owner.rebuilder.operator === entry.rebuilder.operator) continue;
      throw new PolicyError(
        'POLICY_KEY_OPERATORS',
        { file: doc.file, line: entry.reference.line, path: entry.reference.path },
        `${entry.key.description} (${hash}) is pinned for rebuilder "${owner.rebuilder.name}" (operator "${owner.rebuilder.operator}") ` +
          `and rebuilder "${entry.rebuilder.name}" (operator "${entry.rebuilder.operator}"); one key vouches for one operator only, ` +
          'so give both rebuilders the same operator or drop the key from one',
      );
    }
  }
}

function resolveTrust(
  doc: PolicyDocument,
  pinned: readonly PinnedKey[],
  layout: VerifiedLayout | undefined,
): { threshold: number; thresholdSource: Policy['thresholdSource']; root: TrustRoot | undefined } {
  const at = (path: string): { file: string; line: number | undefined; path: string } => ({ file: doc.file, line: doc.lines.get(path), path });

  if (doc.trustRoot === undefined) {
    if (layout !== undefined) throw new PolicyError('POLICY_TRUST_ROOT', { file: doc.file }, 'a trust-root layout was supplied but the policy names none');
    if (doc.threshold === undefined) throw new PolicyError('POLICY_MISSING', at('threshold'), 'required field is missing');
    return { threshold: doc.threshold, thresholdSource: 'policy', root: undefined };
  }
  if (layout === undefined) {
    throw new PolicyError('POLICY_TRUST_ROOT', at('trust-root.layout'), `the trust-root layout ${doc.trustRoot.layout.file} has not been verified`);
  }
  const step = layout.steps.get(TRUST_ROOT_STEP);
  if (step === undefined) {
    throw new PolicyError('POLICY_TRUST_ROOT', at('trust-root.layout'),
      `layout ${doc.trustRoot.layout.file} has no "${TRUST_ROOT_STEP}" step (it has: ${[...layout.steps.keys()].join(', ') || 'none'})`);
  }
  if (doc.threshold !== undefined && doc.threshold !== step.threshold) {
    throw new PolicyError('POLICY_TRUST_ROOT', at('threshold'),
      `threshold ${doc.threshold} disagrees with the trust-root layout's "${TRUST_ROOT_STEP}" step (threshold ${step.threshold}); ` +
        'remove it from the policy, the layout decides');
  }
  const identities = new Set(step.keys.map((k) => k.identity));
  const fingerprints = new Set(step.keys.map((k) => k.fingerprint));
  for (const { key, rebuilder, reference } of pinned) {
    if (fingerprints.has(key.fingerprint) || identities.has(key.identity)) continue;
    throw new PolicyError('POLICY_TRUST_ROOT', { file: doc.file, line: reference.line, path: reference.path },
      `${key.description} (${key.fingerprint}) of rebuilder "${rebuilder.name}" is not among the keys the trust-root layout's "${TRUST_ROOT_STEP}" step authorises`);
  }
  return {
    threshold: step.threshold,
    thresholdSource: 'trust-root',
    root: { layout: doc.trustRoot.layout.file, expires: layout.expires, signers: layout.signers },
  };
}

function endpointOf(rebuilder: RebuilderDocument): RebuilderEndpoint {
  return rebuilder.type === 'directory' ? { type: rebuilder.type, directory: rebuilder.directory } : { type: rebuilder.type, url: rebuilder.url };
}

/** A key listed in two files of one rebuilder (PEM and JSON of the same key) is still one key. */
function uniqueByFingerprint(keys: readonly PublicKey[]): PublicKey[] {
  const byFingerprint = new Map<string, PublicKey>();
  for (const key of keys) if (!byFingerprint.has(key.fingerprint)) byFingerprint.set(key.fingerprint, key);
  return [...byFingerprint.values()];
}
