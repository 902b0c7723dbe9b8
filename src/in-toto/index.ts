/**
 * reprogate's in-toto library: strict parsing, canonical JSON, keys, signature
 * verification and layouts, for the documents rebuilders publish. Self-contained
 * (it imports nothing else from reprogate) and free of I/O: bytes and a `now` in,
 * typed values or an `InTotoError` with a stable `code` out. See README.md.
 */
export { InTotoError, type InTotoErrorCode } from './errors.js';
export { parseStrictJson, isJsonObject, type JsonValue, type JsonObject, type JsonArray } from './json.js';
export { canonicalize } from './canonical.js';
export { printableLine } from './text.js';

export type { PublicKey, SignatureScheme } from './keys/types.js';
export { loadPublicKeys, keysFromJson } from './keys/load.js';

export {
  parseAttestation,
  verifyAttestation,
  checkSignatures,
  findSubjectsWithDigest,
  MAX_ATTESTATION_BYTES,
  type AttestationFormat,
  type ParsedAttestation,
  type VerifiedAttestation,
  type AttestationCheck,
  type SignatureCheck,
} from './attestation.js';

export type { Link } from './models/link.js';
export type { Subject, Statement } from './models/statement.js';
export { ACCEPTED_PREDICATE_TYPES, STATEMENT_V1 } from './models/statement.js';
export type { DigestSet, ArtifactMap } from './models/fields.js';
export type { DocumentSignature } from './models/signature.js';
export { parseDsseEnvelope, pae, IN_TOTO_PAYLOAD_TYPE, type DsseEnvelope } from './models/dsse.js';
export { verifyLayout, type VerifiedLayout, type LayoutStep, type LayoutInspection } from './models/layout.js';
export { applyRules, parseRule, fnmatch, type ArtifactRule, type RuleContext } from './models/rules.js';
