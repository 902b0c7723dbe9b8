/**
 * Threat: text from a hostile rebuilder reaching the admin's terminal. A document's
 * field names and values are untrusted; when one is refused, the reason is shown by
 * `reprogate verify` (the one-line verdict) and `reprogate explain`, and written to
 * the decision log. Escape sequences (ESC, CSI — C0, DEL and C1 controls) could
 * rewrite the terminal, fake lines or hide a refusal; an enormous value would flood
 * apt's output.
 *
 * Meant to be stopped by: every reason in a Verdict being one bounded, printable line
 * (src/verify/render.ts renders reasons as they are; src/apt/protocol/format.ts folds
 * them for apt only).
 *
 * Stopped by: InTotoError and ReprogateError messages are made one bounded,
 * printable line where they are created (src/in-toto/text.ts `printableLine`), and
 * decide.ts passes every outcome reason through it too. Found by fuzzing; before the
 * fix field names and types reached the CLI's output raw and unbounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import { explain, oneLine } from '../../src/verify/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('control-characters');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const judge = async (document: Buffer) => (await check({ path: deb.path }, { policy, answers: { debian: served(document) } })).verdict;

/** A genuine document with one extra top-level field. */
function withField(name: string, value: unknown): Buffer {
  const doc = JSON.parse(signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [debian]).toString('utf8')) as Record<string, unknown>;
  doc[name] = value;
  return Buffer.from(JSON.stringify(doc));
}

describe('untrusted text in refusals', () => {
  it('control: a document with an ordinary unknown field is invalid, and the refusal is one printable line', async () => {
    const verdict = await judge(withField('comment', 1));
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'METADATA_FORMAT' });
    expect(oneLine(verdict)).not.toMatch(CONTROL);
  });

  it('a field name carrying terminal escapes does not reach `reprogate verify` or `explain` output raw', async () => {
    const verdict = await judge(withField('\u001b]0;pwned\u0007\u001b[2K\rreprogate: accepted', 1));
    expect(outcomeOf(verdict, 'debian').status).toBe('invalid');
    expect(oneLine(verdict)).not.toMatch(CONTROL);
    expect(explain(verdict).replace(/\n/g, ' ')).not.toMatch(CONTROL);
  });

  it('a megabyte `_type` does not become a megabyte reason', async () => {
    const doc = JSON.parse(signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [debian]).toString('utf8')) as { signed: { _type: string } };
    doc.signed._type = 'x'.repeat(1024 * 1024);
    const verdict = await judge(Buffer.from(JSON.stringify(doc)));
    expect(outcomeOf(verdict, 'debian').status).toBe('invalid');
    expect(oneLine(verdict).length).toBeLessThan(4096);
  });
});
