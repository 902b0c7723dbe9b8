/**
 * Attestations (src/in-toto/attestation.ts): v0.9 link Metablocks (securesystemslib
 * and GPG signatures), DSSE envelopes carrying a link or a Statement v1 — real
 * in-toto-run links and in-process signed rebuilderd-style documents, edited as bytes
 * and as JSON trees, then parsed and verified against the keys that really signed
 * them. Throws only InTotoError; and whatever verifies has exactly the signed content
 * of one of the genuine documents: no edit of what is signed ever verifies.
 */
import fc from 'fast-check';
import {
  canonicalize,
  findSubjectsWithDigest,
  InTotoError,
  loadPublicKeys,
  parseAttestation,
  verifyAttestation,
  type PublicKey,
} from '../../src/in-toto/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signDsse, signMetablock, statementBody } from '../support/intoto-sign.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson, utf8 } from './mutate.js';
import { FIXTURE_NOW, projectFile, projectFiles } from './seeds.js';

export const ATTESTATION_KEYS = [
  'signed', 'signatures', 'keyid', 'sig', 'other_headers', 'signature', '_type', 'name', 'command', 'materials', 'products', 'byproducts',
  'environment', 'sha256', 'sha512', 'payload', 'payloadType', 'subject', 'digest', 'predicateType', 'predicate', 'method',
];
const TOKENS = ['"', '\\', '\\u0000', '\\ud800', '{}', '[]', 'null', '1.0', '"sha256":"', '"keyid":"', '04001608', '"_type":"link"', 'application/vnd.in-toto+json'].map(utf8);
const FIXTURE_KEYS = ['gpg-rsa-subkey.asc', 'gpg-eddsa.asc', 'gpg-dsa.asc', 'ed25519.pub', 'rsa.pub', 'ecdsa.pub'];

export interface SignedCorpus {
  readonly documents: Uint8Array[];
  readonly keys: PublicKey[];
  /** The public key files of the keys that signed the in-process documents (rebuilderd PEM, securesystemslib JSON, PEM). */
  readonly ownKeyFiles: readonly string[];
  /** SHA-256 of the signed bytes of every genuine document. */
  readonly genuine: ReadonlySet<string>;
  /** How many of `documents` verify (the in-toto-run `.tampered.link` copies do not). */
  readonly verifying: number;
  /** The sha256 the documents vouch for. */
  readonly sha256s: readonly string[];
}

/** Genuine documents of every supported shape, and the keys that signed them. */
export async function signedCorpus(): Promise<SignedCorpus> {
  const deb = 'foo_1.0-1_amd64.deb';
  const sha = 'a1'.repeat(32);
  const ed = makeSigner();
  const ec = makeSigner('ecdsa-sha2-nistp256');
  const rsa = makeSigner('rsassa-pss-sha256');
  const inProcess = [
    rebuilderdAttestation(deb, sha, ed),
    signMetablock(linkBody({ products: { [deb]: sha } }), [ec, rsa]),
    signDsse('application/vnd.in-toto+json', utf8(JSON.stringify(statementBody([{ name: deb, sha256: sha }]))), [ed]),
    signDsse('application/vnd.in-toto+json', canonicalize(linkBody({ products: { [deb]: sha } })), [rsa]),
  ];
  const fixtures = projectFiles('test/vectors/in-toto-run/links', '.link');
  const ownKeyFiles = [ed.rebuilderdPem, ec.sslibJson, rsa.publicPem];
  const keys = (
    await Promise.all([
      ...ownKeyFiles.map((k) => loadPublicKeys(utf8(k), FIXTURE_NOW)),
      ...FIXTURE_KEYS.map((name) => loadPublicKeys(projectFile(`test/vectors/in-toto-run/keys/${name}`), FIXTURE_NOW)),
    ])
  ).flat();
  const documents = [...inProcess, ...fixtures];
  const genuine = new Set<string>();
  let verifying = 0;
  for (const d of documents) {
    const doc = parseAttestation(d);
    if (!verifyAttestation(doc, keys, FIXTURE_NOW).ok) continue;
    genuine.add(doc.contentDigest);
    verifying++;
  }
  const fixtureSha = JSON.parse(projectFile('test/vectors/in-toto-run/index.json').toString('utf8')).artifacts[deb].sha256 as string;
  return { documents, keys, ownKeyFiles, genuine, verifying, sha256s: [sha, fixtureSha] };
}

let corpus: SignedCorpus | undefined;

export const attestationTarget = defineTarget<Uint8Array>({
  name: 'attestation',
  description: 'parseAttestation + verifyAttestation on edited links and DSSE envelopes: InTotoError only; only genuinely signed content verifies',
  expected: [InTotoError],
  caseBoundMs: 1000,
  async prepare() {
    corpus ??= await signedCorpus();
    // Four signed here, six by in-toto-run (their six `.tampered.link` copies must not verify).
    ensure(corpus.verifying === 10, `ten seed documents should verify, ${corpus.verifying} did`);
  },
  arbitrary() {
    const { documents } = corpus!;
    return fc.oneof(mutatedBytes(documents, TOKENS), mutatedJson(documents, ATTESTATION_KEYS));
  },
  run(bytes) {
    const { keys, genuine, sha256s } = corpus!;
    const doc = parseAttestation(bytes);
    for (const sha of sha256s) findSubjectsWithDigest(doc, sha);
    const check = verifyAttestation(doc, keys, FIXTURE_NOW);
    if (check.ok) {
      ensure(genuine.has(doc.contentDigest), `an edited document verified: ${Buffer.from(bytes).toString('utf8').slice(0, 300)}`);
      ensure(check.attestation.signers.length > 0, 'a verified document without signers');
    }
  },
});
