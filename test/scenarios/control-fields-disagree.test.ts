/**
 * Threat: a .deb that is not the package it is presented as — renamed to another
 * package's file name, its architecture or epoch different from what apt resolved —
 * or that is not a well-formed package at all (a crafted control file). apt's
 * file-name split is how apt-transport-in-toto and the Qubes script identify a
 * package; the file name is whatever the sender chose.
 *
 * Stopped by: src/deb/identity.ts (identity from the .deb's own control fields, read
 * by bounded parsers; never from the file name) and src/runtime/check-deb.ts (the
 * control fields must equal what apt asked for: REFUSED_IDENTITY; an unreadable
 * package is REFUSED_IDENTITY too, before any rebuilder is asked). In audit mode
 * these verdicts are logged and warned about but do not stop the package, as no
 * audit-mode verdict does.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy/index.js';
import { letThrough } from '../../src/verify/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { debArchive } from '../support/aptlab/debarchive.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, fixedAdapter, NOW, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
let tmp: Awaited<ReturnType<typeof scratch>>;
let hello: BuiltDeb;
let policy: Policy;

beforeAll(async () => {
  tmp = await scratch('identity');
  hello = await realDeb(join(tmp.dir, 'debs'), { name: 'hello', version: '1:2.0-1' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

/** hello, attested by the trusted rebuilder: only the identity can refuse it. */
const attested = () => served(rebuilderdAttestation(hello.fileName, hello.sha256, debian));

describe('control fields that disagree with what apt asked for', () => {
  it.each([
    ['another package name (the file renamed to bash)', { name: 'bash', version: '1:2.0-1', architecture: 'amd64' }],
    ['the version without its epoch', { name: 'hello', version: '2.0-1', architecture: 'amd64' }],
    ['another architecture', { name: 'hello', version: '1:2.0-1', architecture: 'all' }],
  ])('%s: REFUSED_IDENTITY, though the file itself is attested', async (_what, expected) => {
    const renamed = join(tmp.dir, `${expected.name}_2.0-1_${expected.architecture}.deb`);
    await copyFile(hello.path, renamed);
    const { verdict } = await check({ path: renamed, expected }, { policy, answers: { debian: attested() } });
    expect(verdict.code).toBe('REFUSED_IDENTITY');
    expect(verdict.detail).toContain(`its control fields say hello 1:2.0-1 amd64, but apt asked for ${expected.name} ${expected.version} ${expected.architecture}`);
    expect(verdict.package).toMatchObject({ name: 'hello', version: '1:2.0-1', sha256: hello.sha256 });
  });

  it('without an apt request (a local file), the file name is ignored: the verdict is about what the control fields say', async () => {
    const renamed = join(tmp.dir, 'bash_5.2.15-2_amd64.deb');
    await copyFile(hello.path, renamed);
    const { verdict } = await check({ path: renamed }, { policy, answers: { debian: attested() } });
    expect(verdict.code).toBe('ACCEPTED');
    expect(verdict.package).toMatchObject({ name: 'hello', version: '1:2.0-1', architecture: 'amd64' });
  });

  it('control: the request that matches is accepted', async () => {
    const { verdict } = await check({ path: hello.path, expected: { name: 'hello', version: '1:2.0-1', architecture: 'amd64' } }, { policy, answers: { debian: attested() } });
    expect(verdict.code).toBe('ACCEPTED');
  });
});

describe('a file that is not a well-formed package', () => {
  const control = (text: string) => debArchive([{ path: 'control', content: Buffer.from(text), mode: 0o644 }], [], 1_704_067_200, 1);

  it.each([
    ['a package name with a path in it', 'Package: ../../etc\nVersion: 1.0\nArchitecture: amd64\n'],
    ['no Version field', 'Package: hello\nArchitecture: amd64\n'],
    ['a second paragraph', 'Package: hello\nVersion: 1.0\nArchitecture: amd64\n\nPackage: bash\n'],
    ['an escape sequence in a field', 'Package: hello\nVersion: 1.0\x1b[2J\nArchitecture: amd64\n'],
  ])('%s: REFUSED_IDENTITY, and no rebuilder is asked', async (_what, text) => {
    const file = join(tmp.dir, 'crafted.deb');
    await writeFile(file, control(text));
    const rebuilder = fixedAdapter(attested());
    const { verdict } = await check({ path: file }, { policy, adapters: new Map([['debian', rebuilder]]) });
    expect(verdict.code).toBe('REFUSED_IDENTITY');
    expect(verdict.detail).toMatch(/^not a readable \.deb: .*\[DEB_CONTROL_(FIELD|SYNTAX)\]$/);
    expect(verdict.detail).not.toMatch(/[\u0000-\u001f]/);
    expect(rebuilder.calls).toBe(0);
  });

  it('a file that is not a .deb at all, and one that does not exist: REFUSED_IDENTITY', async () => {
    const text = join(tmp.dir, 'hello_2.0-1_amd64.deb');
    await writeFile(text, '<html>mirror error page</html>\n');
    expect((await check({ path: text }, { policy, answers: { debian: attested() } })).verdict.code).toBe('REFUSED_IDENTITY');
    expect((await check({ path: join(tmp.dir, 'absent.deb') }, { policy, answers: { debian: attested() } })).verdict.code).toBe('REFUSED_IDENTITY');
  });
});

describe('in audit mode', () => {
  let audit: Policy;
  beforeAll(async () => {
    const yaml = policyYaml({ top: 'mode: audit', threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] });
    audit = await policyFrom(yaml, { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
  });

  it('control fields that disagree, a file that is no .deb and one that is gone: the same verdicts, let through', async () => {
    const renamed = join(tmp.dir, 'bash_2.0-1_amd64.deb');
    await copyFile(hello.path, renamed);
    const notDeb = join(tmp.dir, 'page_2.0-1_amd64.deb');
    await writeFile(notDeb, '<html>mirror error page</html>\n');
    const requests = [
      { path: renamed, expected: { name: 'bash', version: '1:2.0-1', architecture: 'amd64' } },
      { path: notDeb },
      { path: join(tmp.dir, 'absent.deb') },
    ];
    for (const request of requests) {
      const { verdict } = await check(request, { policy: audit, answers: { debian: attested() } });
      expect({ code: verdict.code, enforced: verdict.enforced, letThrough: letThrough(verdict) }).toEqual({ code: 'REFUSED_IDENTITY', enforced: false, letThrough: true });
      // The same request under the enforcing policy stands refused.
      expect(letThrough((await check(request, { policy, answers: { debian: attested() } })).verdict)).toBe(false);
    }
  });

  it('a hash other than the signed index lists: REFUSED_HASH_MISMATCH, let through (apt itself then rejects the hashes)', async () => {
    const { verdict, digests } = await check({ path: hello.path, expectedSha256: 'ab'.repeat(32) }, { policy: audit, answers: { debian: attested() } });
    expect({ code: verdict.code, enforced: verdict.enforced }).toEqual({ code: 'REFUSED_HASH_MISMATCH', enforced: false });
    expect(digests?.sha256).toBe(hello.sha256);
  });
});
