/**
 * Threat: replay. A rebuilder's genuine attestation for an older version is served for
 * the new one (a compromised rebuilder front end or a stale cache), or a mirror serves
 * the older .deb itself — the one that has valid attestations — when apt asked for the
 * new version (a downgrade to a known-vulnerable package).
 *
 * Stopped by: src/verify/decide.ts (agreement is bound to the file's own sha256, so an
 * older version's attestation is no vote), and src/runtime/check-deb.ts (the old file
 * fails apt's expected sha256 from the signed index, and its control fields disagree
 * with the version apt asked for).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let older: BuiltDeb;
let newer: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('replay');
  older = await realDeb(tmp.dir, { name: 'openssl', version: '3.0.11-1' });
  newer = await realDeb(tmp.dir, { name: 'openssl', version: '3.0.13-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

const asked = (deb: BuiltDeb) => ({ name: deb.spec.name, version: deb.spec.version, architecture: deb.spec.architecture });

describe("an older version's attestation", () => {
  it('served for the new .deb is no vote (another file, another digest, no conflict)', async () => {
    const replayed = rebuilderdAttestation(older.fileName, older.sha256, debian);
    const { verdict } = await check({ path: newer.path, expected: asked(newer), expectedSha256: newer.sha256 }, { policy, answers: { debian: served(replayed) } });
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(verdict.package.version).toBe('3.0.13-1');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION' });
  });

  it('replayed with the new file name but the old digest is a conflict, never agreement', async () => {
    const relabelled = rebuilderdAttestation(newer.fileName, older.sha256, debian);
    const { verdict } = await check({ path: newer.path, expected: asked(newer) }, { policy, answers: { debian: served(relabelled) } });
    expect(verdict.code).toBe('REFUSED_CONFLICT');
  });
});

describe('the older .deb itself, served when apt asked for the new version', () => {
  const attested = () => ({ debian: served(rebuilderdAttestation(older.fileName, older.sha256, debian)) });

  it('fails the sha256 apt expects from its signed index', async () => {
    const { verdict } = await check({ path: older.path, expected: asked(newer), expectedSha256: newer.sha256 }, { policy, answers: attested() });
    expect(verdict.code).toBe('REFUSED_HASH_MISMATCH');
    expect(verdict.accepted).toBe(false);
  });

  it('without an expected hash (a local file), its control fields disagree with the version apt asked for', async () => {
    const { verdict } = await check({ path: older.path, expected: asked(newer) }, { policy, answers: attested() });
    expect(verdict.code).toBe('REFUSED_IDENTITY');
    expect(verdict.detail).toContain('openssl 3.0.11-1 amd64, but apt asked for openssl 3.0.13-1 amd64');
  });

  it('is accepted only where the old version is what was asked for (control)', async () => {
    const { verdict } = await check({ path: older.path, expected: asked(older), expectedSha256: older.sha256 }, { policy, answers: attested() });
    expect(verdict.code).toBe('ACCEPTED');
  });
});
