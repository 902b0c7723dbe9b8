/**
 * Attestations: the documents a rebuilder serves to say "I rebuilt this and got
 * these digests". Three envelopes are understood — a v0.9 link Metablock, a DSSE
 * envelope carrying a v0.9 link, and a DSSE envelope carrying a Statement v1 —
 * and reduced to the same thing: the subjects (name + digests) a set of keys
 * vouches for.
 *
 * Parsing and verification are separate steps on purpose: `parseAttestation`
 * knows nothing of trust; a `VerifiedAttestation` is only ever made by
 * `verifyAttestation`, and lists only keys whose signatures verified and may
 * count today.
 */
import { createHash } from 'node:crypto';
import { InTotoError, type InTotoErrorCode } from './errors.js';
import { isJsonObject, parseStrictJson } from './json.js';
import type { PublicKey } from './keys/types.js';
import { IN_TOTO_PAYLOAD_TYPE, isDsseEnvelope, parseDsseEnvelope } from './models/dsse.js';
import { parseLink, type Link } from './models/link.js';
import { isMetablock, parseMetablock } from './models/metablock.js';
import type { DocumentSignature } from './models/signature.js';
import { parseStatement, type Subject } from './models/statement.js';
import { checkGpgSignature } from './signatures/gpg.js';
import { verifyRaw } from './signatures/raw.js';

export type AttestationFormat = 'link' | 'dsse-link' | 'dsse-statement';

export interface ParsedAttestation {
  readonly format: AttestationFormat;
  /** The exact bytes the signatures cover: canonical JSON of `signed`, or the DSSE PAE. */
  readonly signedBytes: Buffer;
  /** SHA-256 of `signedBytes`: two copies of one document (however signed) share it. */
  readonly contentDigest: string;
  readonly signatures: readonly DocumentSignature[];
  /** Products of a link, subjects of a statement. */
  readonly subjects: readonly Subject[];
  readonly link?: Link;
  /** For statements, the predicate type (already checked against the allow-list). */
  readonly predicateType?: string;
}

export const MAX_ATTESTATION_BYTES = 4 * 1024 * 1024;

export function parseAttestation(bytes: Uint8Array): ParsedAttestation {
  const value = parseStrictJson(bytes, { maxBytes: MAX_ATTESTATION_BYTES });
  if (!isJsonObject(value)) throw new InTotoError('METADATA_FORMAT', 'an attestation must be a JSON object');

  if (isMetablock(value)) {
    const block = parseMetablock(value);
    const link = parseLink(block.signed);
    return finish('link', block.signedBytes, block.signatures, linkSubjects(link), { link });
  }
  if (isDsseEnvelope(value)) {
    const env = parseDsseEnvelope(value);
    // The payload type is checked before the payload is read: a swapped type must
    // not make one signed payload mean something else.
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
      throw new InTotoError('DSSE_PAYLOAD_TYPE', `unsupported DSSE payload type ${JSON.stringify(env.payloadType)}`);
    }
    const body = parseStrictJson(env.payload, { maxBytes: MAX_ATTESTATION_BYTES });
    const type = isJsonObject(body) ? body['_type'] : undefined;
    if (type === 'link') {
      const link = parseLink(body);
      return finish('dsse-link', env.pae, env.signatures, linkSubjects(link), { link });
    }
    const statement = parseStatement(body);
    return finish('dsse-statement', env.pae, env.signatures, statement.subjects, { predicateType: statement.predicateType });
  }
  throw new InTotoError('METADATA_TYPE', 'neither an in-toto Metablock nor a DSSE envelope');
}

function finish(
  format: AttestationFormat,
  signedBytes: Buffer,
  signatures: readonly DocumentSignature[],
  subjects: readonly Subject[],
  extra: { link?: Link; predicateType?: string },
): ParsedAttestation {
  const contentDigest = createHash('sha256').update(signedBytes).digest('hex');
  return { format, signedBytes, contentDigest, signatures, subjects, ...extra };
}

function linkSubjects(link: Link): Subject[] {
  return [...link.products].map(([name, digest]) => ({ name, digest }));
}

/** What a set of trusted keys vouches for. Only `verifyAttestation` makes one. */
export interface VerifiedAttestation {
  readonly document: ParsedAttestation;
  /** Distinct by identity: a primary and its subkey, or one key signing twice, appear once. */
  readonly signers: readonly PublicKey[];
}

export type AttestationCheck =
  | { readonly ok: true; readonly attestation: VerifiedAttestation }
  | { readonly ok: false; readonly code: InTotoErrorCode; readonly reason: string };

/**
 * Check the document's signatures against `trusted`. Any one valid signature by a
 * usable trusted key makes the document count; other signatures (rebuilderd puts
 * an unknown worker key first) are ignored. `keyid` fields only order the search.
 */
export function verifyAttestation(doc: ParsedAttestation, trusted: readonly PublicKey[], now: Date): AttestationCheck {
  const result = checkSignatures(doc.signedBytes, doc.signatures, trusted, now);
  if (result.signers.length > 0) return { ok: true, attestation: { document: doc, signers: result.signers } };
  return { ok: false, code: result.failure.code, reason: result.failure.reason };
}

export interface SignatureCheck {
  readonly signers: readonly PublicKey[];
  /** Why nothing counted, most telling first; meaningful when `signers` is empty. */
  readonly failure: { readonly code: InTotoErrorCode; readonly reason: string };
}

export function checkSignatures(content: Buffer, signatures: readonly DocumentSignature[], trusted: readonly PublicKey[], now: Date): SignatureCheck {
  const signers = new Map<string, PublicKey>();
  let refused: { code: InTotoErrorCode; reason: string } | undefined;
  let forged: PublicKey | undefined;

  // Signatures whose keyid names a trusted key first (rebuilderd puts an unknown worker
  // signature first), and no key tried again once it verified: the common document
  // then costs one verification, not one per signature.
  const hinted = (sig: DocumentSignature): boolean => sig.keyid !== undefined && trusted.some((k) => k.keyids.includes(sig.keyid!));
  const ordered = [...signatures.filter(hinted), ...signatures.filter((sig) => !hinted(sig))];
  for (const sig of ordered) {
    for (const key of candidates(sig, trusted).filter((k) => !signers.has(k.identity))) {
      const outcome = checkOne(key, content, sig, now);
      if (outcome === 'no') {
        if (sig.keyid !== undefined && key.keyids.includes(sig.keyid)) forged ??= key;
        continue;
      }
      if (outcome === 'yes') {
        if (!signers.has(key.identity)) signers.set(key.identity, key);
      } else {
        refused ??= outcome;
      }
      break; // this signature is accounted for
    }
  }
  const failure =
    refused ??
    (forged
      ? { code: 'SIGNATURE_INVALID' as const, reason: `signature claiming ${forged.description} does not verify` }
      : { code: 'SIGNATURE_NONE_TRUSTED' as const, reason: 'not signed by any trusted key' });
  return { signers: [...signers.values()], failure };
}

/** Keys whose hints match the signature's keyid first; then the rest (hints are not trusted either way). */
function candidates(sig: DocumentSignature, trusted: readonly PublicKey[]): PublicKey[] {
  const family = trusted.filter((k) => (sig.kind === 'gpg') === k.scheme.startsWith('pgp+'));
  const hinted = family.filter((k) => sig.keyid !== undefined && k.keyids.includes(sig.keyid));
  return [...hinted, ...family.filter((k) => !hinted.includes(k))];
}

function checkOne(key: PublicKey, content: Buffer, sig: DocumentSignature, now: Date): 'yes' | 'no' | { code: InTotoErrorCode; reason: string } {
  let problem: string | undefined;
  if (sig.kind === 'gpg') {
    let check;
    try {
      check = checkGpgSignature(key, content, sig, now);
    } catch (e) {
      // A malformed header spoils this signature, not the verdict: other signatures
      // (and other rebuilders) are still judged.
      if (e instanceof InTotoError) return { code: e.code, reason: e.message };
      throw e;
    }
    if (!check.verified) return 'no';
    problem = check.problem;
  } else if (!verifyRaw(key, content, sig.sig)) {
    return 'no';
  }
  if (problem !== undefined) return { code: 'SIGNATURE_INVALID', reason: `${key.description}: ${problem}` };
  if (key.unusable) return { code: key.unusable.code, reason: `${key.description}: ${key.unusable.reason}` };
  if (key.notAfter && key.notAfter.getTime() <= now.getTime()) {
    return { code: 'KEY_EXPIRED', reason: `${key.description} expired on ${key.notAfter.toISOString().slice(0, 10)}` };
  }
  return 'yes';
}

/** Does this document vouch for an artifact with this SHA-256? Names do not decide. */
export function findSubjectsWithDigest(doc: ParsedAttestation, sha256: string): Subject[] {
  return doc.subjects.filter((s) => s.digest['sha256'] === sha256);
}
