/**
 * Threat: a validly signed in-toto Statement whose predicate says something other than
 * "I (re)built this" — a vulnerability scan, a test result, a code review — listing
 * the .deb's sha256 as its subject. Counting it would turn any signed statement about
 * a file into a reproducibility vote. Likewise a Statement version we do not read.
 *
 * Stopped by: src/in-toto/models/statement.ts — only the predicate types in
 * ACCEPTED_PREDICATE_TYPES are read; any other is STATEMENT_PREDICATE_TYPE, a
 * Statement other than v1 is METADATA_TYPE — and src/verify/decide.ts (`invalid`,
 * never counted, and an exemption is then not applied).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_PREDICATE_TYPES } from '../../src/in-toto/index.js';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner, signDsse, statementBody } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const IN_TOTO = 'application/vnd.in-toto+json';
const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('predicate');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  const exempt = 'rules:\n  - match: { package: "hello" }\n    exempt: { reason: "not reproducible yet", until: 2027-06-30 }\n';
  const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }], extra: exempt });
  policy = await policyFrom(yaml, { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const statementWith = (predicateType: string, type = 'https://in-toto.io/Statement/v1') => {
  const body = { ...statementBody([{ name: deb.fileName, sha256: deb.sha256 }], predicateType), _type: type };
  return signDsse(IN_TOTO, Buffer.from(JSON.stringify(body)), [debian]);
};
const judge = async (document: Buffer) => (await check({ path: deb.path }, { policy, answers: { debian: served(document) } })).verdict;

describe('a Statement the verifier does not understand', () => {
  it.each(['https://cosign.sigstore.dev/attestation/vuln/v1', 'https://in-toto.io/attestation/test-result/v0.1', 'https://slsa.dev/provenance/v0.2', ''])(
    'predicate type %j: invalid, and the exemption is not applied',
    async (predicateType) => {
      const verdict = await judge(statementWith(predicateType));
      expect(verdict.code).toBe('REFUSED_INVALID');
      expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'STATEMENT_PREDICATE_TYPE' });
    },
  );

  it('a Statement v0.1 is refused as an unknown document type', async () => {
    const verdict = await judge(statementWith('https://slsa.dev/provenance/v1', 'https://in-toto.io/Statement/v0.1'));
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'METADATA_TYPE' });
  });

  it.each([...ACCEPTED_PREDICATE_TYPES])('control: %s counts', async (predicateType) => {
    expect((await judge(statementWith(predicateType))).code).toBe('ACCEPTED');
  });
});
