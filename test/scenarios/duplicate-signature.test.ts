/**
 * Threat: one voice counted twice — the same signature twice on one document, one
 * document served twice (or under two URLs), one key pinned twice for one rebuilder
 * (PEM and securesystemslib JSON), two rebuilders of one operator, or one operator's
 * document replayed by a second rebuilder.
 *
 * Stopped by: src/in-toto/attestation.ts (`signers` distinct by key identity, the
 * SHA-256 of the key material, never by keyid), src/verify/decide.ts (copies of one
 * signed content collapse by `contentDigest`; agreement is counted over distinct
 * operators) and src/policy/bind-policy.ts (one key file listed twice is one key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signDsse, signMetablock, statementBody } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const one = makeSigner();
const two = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;

beforeAll(async () => {
  tmp = await scratch('duplicate');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
});
afterAll(() => tmp.remove());

const link = () => linkBody({ products: { [deb.fileName]: deb.sha256 } });

/** Threshold 2 over rebuilder `one` and a second operator that has nothing to say. */
function withBystander() {
  const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'one', keys: ['keys/one.pem'] }, { name: 'bystander', keys: ['keys/two.pem'] }] });
  return policyFrom(yaml, { 'keys/one.pem': one.publicPem, 'keys/two.pem': two.publicPem }, NOW);
}

describe('one voice is one vote', () => {
  it('the same signature twice on a Metablock, and the document served twice: one document, one signer', async () => {
    const policy = await withBystander();
    const doubled = signMetablock(link(), [one, one]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { one: served(doubled, doubled, signMetablock(link(), [one])) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(verdict.agreeingOperators).toEqual(['one']);
    expect(outcomeOf(verdict, 'one')).toMatchObject({ status: 'agrees', documents: 1 });
    expect(outcomeOf(verdict, 'one').signers).toHaveLength(1);
  });

  it('the same signature twice in a DSSE envelope', async () => {
    const policy = await withBystander();
    const payload = Buffer.from(JSON.stringify(statementBody([{ name: deb.fileName, sha256: deb.sha256 }])));
    const { verdict } = await check({ path: deb.path }, { policy, answers: { one: served(signDsse('application/vnd.in-toto+json', payload, [one, one])) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'one').signers).toHaveLength(1);
  });

  it('one key pinned twice for one rebuilder (rebuilderd PEM and securesystemslib JSON) is one key', async () => {
    const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'one', keys: ['keys/one.pem', 'keys/one.pub'] }] });
    const policy = await policyFrom(yaml, { 'keys/one.pem': one.rebuilderdPem, 'keys/one.pub': one.sslibJson }, NOW);
    expect(policy.rebuilders[0]!.keys).toHaveLength(1);
  });

  it('two rebuilders of one operator agreeing count once', async () => {
    const yaml = policyYaml({
      threshold: 2,
      rebuilders: [
        { name: 'amd64', operator: 'debian', keys: ['keys/one.pem'] },
        { name: 'all', operator: 'debian', keys: ['keys/two.pem'] },
        { name: 'bystander', keys: ['keys/three.pem'] },
      ],
    });
    const policy = await policyFrom(yaml, { 'keys/one.pem': one.publicPem, 'keys/two.pem': two.publicPem, 'keys/three.pem': makeSigner().publicPem }, NOW);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { amd64: served(signMetablock(link(), [one])), all: served(signMetablock(link(), [two])) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(verdict.agreeingOperators).toEqual(['debian']);
    expect(verdict.rebuilders.map((o) => o.status)).toEqual(['agrees', 'agrees', 'missing']);
  });

  it("one operator's document replayed by a second rebuilder does not vote for the second", async () => {
    const yaml = policyYaml({ threshold: 2, rebuilders: [{ name: 'one', keys: ['keys/one.pem'] }, { name: 'two', keys: ['keys/two.pem'] }] });
    const policy = await policyFrom(yaml, { 'keys/one.pem': one.publicPem, 'keys/two.pem': two.publicPem }, NOW);
    const byOne = signMetablock(link(), [one]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { one: served(byOne), two: served(byOne) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'two')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
    // Control: a document both really signed is two votes.
    const byBoth = signMetablock(link(), [one, two]);
    const both = await check({ path: deb.path }, { policy, answers: { one: served(byBoth), two: served(byBoth) } });
    expect(both.verdict.code).toBe('ACCEPTED');
  });
});
