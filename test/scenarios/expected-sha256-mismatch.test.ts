/**
 * Threat: the file apt is about to hand to dpkg is not the one its signed index lists
 * (a mirror or proxy substituting another build, a truncated or altered download) —
 * even when that other file carries valid attestations of its own.
 *
 * Stopped by: src/runtime/check-deb.ts — the file is hashed in one pass and compared
 * with apt's `Expected-SHA256` before anything else: REFUSED_HASH_MISMATCH, and no
 * rebuilder is asked. The method reports the hashes it computed itself to apt, so apt
 * never trusts hashes the wrapped http method claims (see the e2e tests).
 */
import { appendFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, fixedAdapter, NOW, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let listed: BuiltDeb;
let substitute: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('expected-hash');
  listed = await realDeb(join(tmp.dir, 'listed'), { name: 'hello', version: '2.0-1' });
  // The same package, rebuilt with other contents: what a substituting mirror would serve.
  substitute = await realDeb(join(tmp.dir, 'substitute'), { name: 'hello', version: '2.0-1', sizeBytes: 64, padding: 'random' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const asked = { name: 'hello', version: '2.0-1', architecture: 'amd64' };

describe("a file that is not the one apt's signed index lists", () => {
  it('a substituted build, attested by a trusted rebuilder: REFUSED_HASH_MISMATCH, no rebuilder asked', async () => {
    const rebuilder = fixedAdapter(served(rebuilderdAttestation(substitute.fileName, substitute.sha256, debian)));
    const { verdict, digests } = await check({ path: substitute.path, expected: asked, expectedSha256: listed.sha256 }, { policy, adapters: new Map([['debian', rebuilder]]) });
    expect(verdict.code).toBe('REFUSED_HASH_MISMATCH');
    expect(verdict.accepted).toBe(false);
    expect(verdict.detail).toBe(`sha256 ${substitute.sha256} is not the ${listed.sha256} the signed index lists`);
    expect(digests?.sha256).toBe(substitute.sha256);
    expect(rebuilder.calls).toBe(0);
  });

  it('one byte appended to the listed file', async () => {
    const altered = join(tmp.dir, 'altered.deb');
    await copyFile(listed.path, altered);
    await appendFile(altered, '\n');
    const { verdict } = await check({ path: altered, expected: asked, expectedSha256: listed.sha256 }, { policy, answers: { debian: served(rebuilderdAttestation(listed.fileName, listed.sha256, debian)) } });
    expect(verdict.code).toBe('REFUSED_HASH_MISMATCH');
  });

  it('control: the listed file, its hash written in upper case as apt may, is accepted', async () => {
    const { verdict } = await check(
      { path: listed.path, expected: asked, expectedSha256: listed.sha256.toUpperCase() },
      { policy, answers: { debian: served(rebuilderdAttestation(listed.fileName, listed.sha256, debian)) } },
    );
    expect(verdict.code).toBe('ACCEPTED');
  });
});
