/**
 * Threat: a valid signature by a trusted rebuilder, over a document that vouches for
 * another package's sha256 — served for this package (a mix-up or a replay across
 * packages), possibly under this package's file name or URL.
 *
 * Stopped by: src/verify/decide.ts binding by digest (`findSubjectsWithDigest`):
 * only a subject whose sha256 equals the file's own hash is agreement; names, URLs
 * and file names never make a vote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation, signDsse, statementBody } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let hello: BuiltDeb;
let other: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('another-package');
  hello = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  other = await realDeb(tmp.dir, { name: 'libother1', version: '0.3-2' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

describe("a valid signature over another package's sha256", () => {
  it("is no vote for this .deb: the rebuilder has nothing for it", async () => {
    const forOther = rebuilderdAttestation(other.fileName, other.sha256, debian);
    const { verdict } = await check({ path: hello.path }, { policy, answers: { debian: served(forOther) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION', documents: 1 });
    expect(outcomeOf(verdict, 'debian').reason).toContain('1 for other artifacts');
  });

  it("is no vote even when the product carries this package's file name (the name never decides)", async () => {
    // The other package's digest under hello's name is what a conflict looks like:
    // never agreement, and the refusal names the digest the rebuilder signed.
    const renamed = rebuilderdAttestation(hello.fileName, other.sha256, debian);
    const { verdict } = await check({ path: hello.path }, { policy, answers: { debian: served(renamed) } });
    expect(verdict.accepted).toBe(false);
    expect(verdict.code).toBe('REFUSED_CONFLICT');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'conflicts', conflictingSha256: other.sha256 });
  });

  it('is no vote when the other package is mislabelled as this one in a DSSE statement subject', async () => {
    const statement = Buffer.from(JSON.stringify(statementBody([{ name: 'hello', sha256: other.sha256 }])));
    const { verdict } = await check({ path: hello.path }, { policy, answers: { debian: served(signDsse('application/vnd.in-toto+json', statement, [debian])) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION' });
  });

  it('is the right vote for the other package itself (control)', async () => {
    const { verdict } = await check({ path: other.path }, { policy, answers: { debian: served(rebuilderdAttestation(other.fileName, other.sha256, debian)) } });
    expect(verdict.code).toBe('ACCEPTED');
  });
});
