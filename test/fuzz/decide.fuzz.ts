/**
 * The decision (src/verify/decide.ts `decide`) over whatever the rebuilders send:
 * genuine documents, edited ones (bytes and trees), and "missing" answers, spread
 * over a policy with securesystemslib, rebuilderd and OpenPGP keys. `decide` is
 * documented to turn any bytes into a Verdict, so here nothing may be thrown at all;
 * and the Verdict is coherent: one outcome per rebuilder the rule names, acceptance
 * only with the threshold met by distinct operators and no conflict, and agreement
 * only where a genuinely signed document was served.
 */
import fc from 'fast-check';
import { parseAttestation } from '../../src/in-toto/index.js';
import type { Policy } from '../../src/policy/index.js';
import { decide, type Evidence, type PackageFacts } from '../../src/verify/index.js';
import { policyFrom } from '../support/policy-fixture.js';
import { ATTESTATION_KEYS, signedCorpus, type SignedCorpus } from './attestation.fuzz.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson } from './mutate.js';
import { FIXTURE_NOW, projectFile } from './seeds.js';

const REBUILDERS = ['alpha', 'beta', 'gamma'] as const;

interface Input {
  readonly sha256: number;
  readonly answers: readonly ({ readonly documents: readonly Uint8Array[] } | { readonly missing: boolean })[];
}

let corpus: SignedCorpus | undefined;
let policy: Policy | undefined;

export const decideTarget = defineTarget<Input>({
  name: 'decide',
  description: 'decide() on genuine, edited and missing evidence: never throws; verdicts are coherent',
  expected: [],
  caseBoundMs: 2000,
  async prepare() {
    corpus ??= await signedCorpus();
    // A key may vouch for one operator only: the in-process keys go to alpha, the
    // in-toto-run keys are split between beta and gamma.
    const yaml = `version: 1
threshold: 2
rebuilders:
  - { name: alpha, type: sources, url: "https://alpha.example/", keys: [keys/own-0, keys/own-1, keys/own-2] }
  - { name: beta, type: sources, url: "https://beta.example/", keys: [keys/gpg-rsa-subkey.asc, keys/gpg-eddsa.asc, keys/ed25519.pub] }
  - { name: gamma, type: sources, url: "https://gamma.example/", keys: [keys/gpg-dsa.asc, keys/rsa.pub, keys/ecdsa.pub] }
rules:
  - match: { package: "foo" }
    exempt: { reason: "fuzzing the exemption path", until: 2027-06-30 }
`;
    const files: Record<string, string | Buffer> = {};
    corpus.ownKeyFiles.forEach((key, i) => (files[`keys/own-${i}`] = key));
    for (const name of ['gpg-rsa-subkey.asc', 'gpg-eddsa.asc', 'ed25519.pub', 'gpg-dsa.asc', 'rsa.pub', 'ecdsa.pub']) {
      files[`keys/${name}`] = projectFile(`test/vectors/in-toto-run/keys/${name}`);
    }
    policy ??= await policyFrom(yaml, files, FIXTURE_NOW);
  },
  arbitrary() {
    const { documents } = corpus!;
    const document = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...documents) },
      { weight: 2, arbitrary: mutatedBytes(documents, [], 3) },
      { weight: 2, arbitrary: mutatedJson(documents, ATTESTATION_KEYS) },
    );
    const answer = fc.oneof(fc.record({ documents: fc.array(document, { minLength: 1, maxLength: 3 }) }), fc.record({ missing: fc.boolean() }));
    return fc.record({ sha256: fc.nat(), answers: fc.array(answer, { minLength: REBUILDERS.length, maxLength: REBUILDERS.length }) });
  },
  run({ sha256, answers }) {
    const { sha256s, genuine } = corpus!;
    const pkg: PackageFacts = { name: 'foo', version: '1.0-1', architecture: 'amd64', sha256: sha256s[sha256 % sha256s.length]!, origin: 'deb.example' };
    const evidence = new Map<string, Evidence>();
    answers.forEach((a, i) => {
      const name = REBUILDERS[i]!;
      evidence.set(name, 'documents' in a
        ? { status: 'found', documents: a.documents.map((bytes, n) => ({ url: `https://${name}.example/${n}`, bytes })) }
        : { status: 'missing', code: 'NET_TIMEOUT', reason: 'timeout', transient: a.missing });
    });

    const verdict = decide(pkg, evidence, policy!, FIXTURE_NOW);

    ensure(JSON.stringify(verdict.rebuilders.map((o) => o.rebuilder)) === JSON.stringify(REBUILDERS), 'not one outcome per rebuilder');
    const operators = new Set(verdict.rebuilders.filter((o) => o.status === 'agrees').map((o) => o.operator));
    ensure(verdict.agreeingOperators.length === operators.size, 'agreeing operators miscounted');
    const conflict = verdict.rebuilders.some((o) => o.status === 'conflicts');
    const invalid = verdict.rebuilders.some((o) => o.status === 'invalid');
    if (verdict.code === 'ACCEPTED') ensure(operators.size >= verdict.threshold && !conflict, 'accepted below the threshold or with a conflict');
    if (verdict.code === 'ACCEPTED_EXEMPT') ensure(!conflict && !invalid, 'an exemption forgave a conflict or an invalid document');
    for (const outcome of verdict.rebuilders.filter((o) => o.status === 'agrees')) {
      const served = evidence.get(outcome.rebuilder);
      const genuineServed = served?.status === 'found' && served.documents.some((d) => isGenuine(d.bytes, genuine));
      ensure(genuineServed, `${outcome.rebuilder} agrees without a genuinely signed document`);
    }
  },
});

function isGenuine(bytes: Uint8Array, genuine: ReadonlySet<string>): boolean {
  try {
    return genuine.has(parseAttestation(bytes).contentDigest);
  } catch {
    return false;
  }
}
