/**
 * Threat: DSSE type confusion. A signature made over one payload type is presented
 * with another (`payloadType` swapped to in-toto's), so that signed bytes meant as
 * something else are read as an attestation; or a signature from one envelope format
 * is transplanted into the other (a Metablock signature into a DSSE envelope).
 *
 * Stopped by: src/in-toto/models/dsse.ts (signatures cover PAE(type, body), so the type
 * is signed) and src/in-toto/attestation.ts `parseAttestation` (any payload type other
 * than `application/vnd.in-toto+json` is DSSE_PAYLOAD_TYPE before the payload is
 * read). Either way the document is `invalid` and never counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/in-toto/index.js';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signBytes, signDsse, statementBody } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const IN_TOTO = 'application/vnd.in-toto+json';
const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('dsse-type');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const statement = () => Buffer.from(JSON.stringify(statementBody([{ name: deb.fileName, sha256: deb.sha256 }])));
const judge = async (document: Buffer) => (await check({ path: deb.path }, { policy, answers: { debian: served(document) } })).verdict;

describe('DSSE payload types', () => {
  it('a signature over another payload type, with the type swapped to in-toto, does not verify', async () => {
    const signedAsJson = JSON.parse(signDsse('application/json', statement(), [debian]).toString('utf8')) as { payloadType: string };
    signedAsJson.payloadType = IN_TOTO;
    const verdict = await judge(Buffer.from(JSON.stringify(signedAsJson)));
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it('a validly signed envelope of another payload type is refused before its payload is read', async () => {
    for (const type of ['application/json', 'application/vnd.in-toto+json; charset=utf-8', 'APPLICATION/VND.IN-TOTO+JSON']) {
      const verdict = await judge(signDsse(type, statement(), [debian]));
      expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'DSSE_PAYLOAD_TYPE' });
    }
  });

  it('a Metablock signature transplanted into a DSSE envelope over the same link does not verify', async () => {
    const body = linkBody({ products: { [deb.fileName]: deb.sha256 } });
    const metablockSignature = signBytes(debian, canonicalize(body)); // what signs a v0.9 Metablock
    const envelope = {
      payload: canonicalize(body).toString('base64'),
      payloadType: IN_TOTO,
      signatures: [{ keyid: debian.keyid, sig: metablockSignature.toString('base64') }],
    };
    const verdict = await judge(Buffer.from(JSON.stringify(envelope)));
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it('control: the in-toto payload type, signed as such, carrying a Statement or a v0.9 link, is accepted', async () => {
    expect((await judge(signDsse(IN_TOTO, statement(), [debian]))).code).toBe('ACCEPTED');
    const link = canonicalize(linkBody({ products: { [deb.fileName]: deb.sha256 } }));
    expect((await judge(signDsse(IN_TOTO, link, [debian]))).code).toBe('ACCEPTED');
  });
});
