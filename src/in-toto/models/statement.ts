/**
 * in-toto Statement v1 (inside a DSSE envelope). Subjects bind by digest; names
 * are advisory. Only predicate types that express "this artifact was (re)built"
 * are accepted; any other type is refused rather than ignored, so a document we do
 * not understand can never be counted as agreement.
 */
import { isJsonArray, type JsonValue } from '../json.js';
import { expectDigestSet, expectObject, expectString, fail, type DigestSet } from './fields.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** Predicate types whose subjects are artifacts the signer built or rebuilt. */
export const ACCEPTED_PREDICATE_TYPES: readonly string[] = [
  'https://in-toto.io/attestation/link/v0.3',
  'https://slsa.dev/provenance/v1',
];

export interface Subject {
  readonly name: string;
  readonly digest: DigestSet;
}

export interface Statement {
  readonly subjects: readonly Subject[];
  readonly predicateType: string;
}

export function parseStatement(v: JsonValue): Statement {
  const obj = expectObject(v, 'statement');
  if (obj['_type'] !== STATEMENT_V1) fail('METADATA_TYPE', `unsupported statement type ${JSON.stringify(obj['_type'])}`);
  const predicateType = expectString(obj['predicateType'], 'statement.predicateType');
  if (!ACCEPTED_PREDICATE_TYPES.includes(predicateType)) {
    fail('STATEMENT_PREDICATE_TYPE', `unsupported predicate type ${JSON.stringify(predicateType)}`);
  }
  const subject = obj['subject'];
  if (!isJsonArray(subject) || subject.length === 0) fail('METADATA_FORMAT', 'statement.subject must be a non-empty list');
  // Unknown fields are ignored, as the attestation spec requires of consumers.
  const subjects = subject.map((s, i) => {
    const d = expectObject(s, `statement.subject[${i}]`);
    return {
      name: d['name'] === undefined ? '' : expectString(d['name'], `statement.subject[${i}].name`),
      digest: expectDigestSet(d['digest'], `statement.subject[${i}].digest`),
    };
  });
  if (obj['predicate'] !== undefined) expectObject(obj['predicate'], 'statement.predicate');
  return { subjects, predicateType };
}
