/**
 * Threat: artifact names chosen to be used as paths or to fool name matching
 * (GHSA-vrxp-mg9f-hwf3 in in-toto-golang; apt-transport-in-toto builds local file
 * names from remote fields): `../` traversal, absolute paths, NUL and newline
 * characters, and names that normalise to this package's file name.
 *
 * Stopped by: src/verify/decide.ts — agreement binds by sha256 only; names are
 * compared exactly and only to detect a conflict; src/cache/cache.ts and
 * src/rebuilders/identity.ts — cache and bundle paths are built from the .deb's own
 * sha256 and the policy's rebuilder name, never from a document's content; and
 * src/verify/render.ts — nothing from a product name reaches apt's one-line message.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../src/cache/index.js';
import type { Policy } from '../../src/policy/index.js';
import { oneLine } from '../../src/verify/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signMetablock } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
const HOSTILE = ['../../../../etc/cron.d/reprogate', '/etc/passwd', 'hello\u0000.deb', 'hello\n201 URI Done\nURI: x', '..', ''];
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('names');
  deb = await realDeb(join(tmp.dir, 'debs'), { name: 'hello', version: '2.0-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('hostile product names', () => {
  it.each(HOSTILE)('a product named %j with our sha256 counts by digest, and only the sha256 becomes a path', async (name) => {
    const cacheDir = join(tmp.dir, `cache-${HOSTILE.indexOf(name)}`);
    const cache = openCache({ dir: cacheDir, negativeTtlMs: 3600_000 });
    const doc = signMetablock(linkBody({ products: { [name]: deb.sha256 } }), [debian]);
    const { verdict } = await check({ path: deb.path }, { policy, cache, answers: { debian: served(doc) } });
    expect(verdict.code).toBe('ACCEPTED');
    expect(await filesUnder(cacheDir)).toEqual([`v3/${deb.sha256.slice(0, 1)}/${deb.sha256}.entry`]);
    expect(await filesUnder(tmp.dir)).not.toContainEqual(expect.stringMatching(/cron|passwd/));
    expect(oneLine(verdict)).not.toMatch(/[\u0000-\u001f]/);
  });

  it('names are compared exactly: a path that normalises to our file name with another digest is no conflict and no vote', async () => {
    for (const name of [`./${deb.fileName}`, `pool/../${deb.fileName}`, `${deb.fileName}\u0000`, deb.fileName.toUpperCase()]) {
      const doc = signMetablock(linkBody({ products: { [name]: 'f6'.repeat(32) } }), [debian]);
      const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(doc) } });
      expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
      expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION' });
    }
  });

  it('a rival digest under our exact file name is a conflict, and the refusal quotes our name, not theirs', async () => {
    const doc = signMetablock(linkBody({ products: { [deb.fileName]: 'f6'.repeat(32), 'evil\nline': 'f6'.repeat(32) } }), [debian]);
    const { verdict } = await check({ path: deb.path }, { policy, answers: { debian: served(doc) } });
    expect(verdict.code).toBe('REFUSED_CONFLICT');
    expect(oneLine(verdict)).toContain(`for ${deb.fileName}`);
    expect(oneLine(verdict)).not.toContain('evil');
  });
});
