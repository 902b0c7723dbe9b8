/**
 * Threat: someone who can write the attestation cache (another `_apt` process, a
 * shared cache on a fleet, a restored backup) alters a cached attestation so that
 * the next check — the pre-install hook above all, which trusts the cache for ever —
 * accepts a package nobody vouched for: a flipped byte, a document swapped with its
 * meta line fixed up to match, a document for another package, a symlink.
 *
 * Stopped by: src/cache/entry.ts and cache.ts (each document's size and sha256 are
 * checked against the entry's meta line, the meta line must name this sha256 and
 * rebuilder, symlinks are not followed, and anything unusable is a miss) and, because
 * the cache stores bytes and never an "ok", src/verify/decide.ts verifying every
 * cached document again on every read. Not stopped: the repository origin kept in
 * the meta line, which the hook trusts only for files in apt's archives (see the end).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCache, type AttestationCache } from '../../src/cache/index.js';
import type { Policy } from '../../src/policy/index.js';
import { checkDeb } from '../../src/runtime/check-deb.js';
import { requestFor } from '../../src/hook/main.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { AptConfig } from '../../src/apt/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, fixedAdapter, NOW, outcomeOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
/** What the rebuilder answers once the cache is bypassed: the network is down. */
const OFFLINE = { status: 'missing', code: 'REBUILDER_OFFLINE', reason: 'network disabled (offline)', transient: true } as const;
const FOREVER = Number.POSITIVE_INFINITY; // the pre-install hook's cache age
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;
let other: BuiltDeb;
let policy: Policy;
let cacheDir: string;
let cache: AttestationCache;
let entry: string;

beforeAll(async () => {
  tmp = await scratch('cache');
  deb = await realDeb(join(tmp.dir, 'debs'), { name: 'hello', version: '2.0-1' });
  other = await realDeb(join(tmp.dir, 'debs'), { name: 'hello', version: '2.0-2' });
  policy = await policyFrom(policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }] }), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
});
afterAll(() => tmp.remove());

beforeEach(async () => {
  // A fresh cache filled the way the method fills it: one genuine answer, checked and stored.
  cacheDir = join(tmp.dir, 'cache');
  await rm(cacheDir, { recursive: true, force: true });
  cache = openCache({ dir: cacheDir, negativeTtlMs: 3600_000 });
  entry = join(cacheDir, 'v3', deb.sha256.slice(0, 1), `${deb.sha256}.entry`);
  const first = await check({ path: deb.path }, { policy, cache, answers: { debian: served(rebuilderdAttestation(deb.fileName, deb.sha256, debian)) } });
  expect(first.verdict.code).toBe('ACCEPTED');
});

/** The check the pre-install hook makes: the cache first, for ever; the network is down. */
async function hookCheck() {
  const offline = fixedAdapter(OFFLINE);
  const { verdict } = await check({ path: deb.path }, { policy, cache, cacheMaxAgeMs: FOREVER, adapters: new Map([['debian', offline]]) });
  return { verdict, askedNetwork: offline.calls > 0 };
}

interface EntryMeta {
  sha256: string;
  documents: { size: number; sha256: string }[];
}

/** The entry file's meta line (parsed) and the one document after it. */
async function readEntry(): Promise<{ meta: EntryMeta; document: Buffer }> {
  const file = await readFile(entry);
  const end = file.indexOf(0x0a);
  return { meta: JSON.parse(file.subarray(0, end).toString('utf8')) as EntryMeta, document: file.subarray(end + 1) };
}

async function writeEntry(meta: EntryMeta, document: Buffer): Promise<void> {
  await writeFile(entry, Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`), document]));
}

/** Puts `document` in the entry with the meta line's size and sha256 fixed up to match, as a careful attacker would. */
async function swapDocument(document: Buffer): Promise<void> {
  const { meta } = await readEntry();
  expect(meta.documents).toHaveLength(1);
  meta.documents[0]!.size = document.length;
  meta.documents[0]!.sha256 = createHash('sha256').update(document).digest('hex');
  await writeEntry(meta, document);
}

describe('a tampered cache entry is never accepted', () => {
  it('control: the untouched entry is accepted from the cache alone', async () => {
    const { verdict, askedNetwork } = await hookCheck();
    expect(verdict.code).toBe('ACCEPTED');
    expect(askedNetwork).toBe(false);
  });

  it('one flipped byte in the document: a cache miss (size/sha256 check), and with the network down, refused', async () => {
    const { meta, document } = await readEntry();
    const at = document.length - 20;
    document.writeUInt8(document.readUInt8(at) ^ 0x01, at);
    await writeEntry(meta, document);
    const { verdict, askedNetwork } = await hookCheck();
    expect(askedNetwork).toBe(true);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'REBUILDER_OFFLINE', transient: true });
  });

  it('a changed digest with the meta line fixed up to match: read back, verified again, invalid', async () => {
    const doc = JSON.parse((await readEntry()).document.toString('utf8')) as { signed: { products: Record<string, { sha256: string }> } };
    doc.signed.products[deb.fileName]!.sha256 = deb.sha256.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    await swapDocument(Buffer.from(JSON.stringify(doc)));
    const { verdict, askedNetwork } = await hookCheck();
    expect(askedNetwork).toBe(false);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_INVALID' });
  });

  it("a genuine document for another build of the package, swapped in with the meta line fixed up: no vote for this sha256", async () => {
    await swapDocument(rebuilderdAttestation(other.fileName, other.sha256, debian));
    const { verdict } = await hookCheck();
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(verdict, 'debian')).toMatchObject({ status: 'missing', code: 'NO_MATCHING_ATTESTATION' });
  });

  it('the entry replaced by a symlink to a file elsewhere (an intact copy): a miss', async () => {
    const elsewhere = join(tmp.dir, 'planted.entry');
    await writeFile(elsewhere, await readFile(entry));
    await rm(entry);
    await symlink(elsewhere, entry);
    const { verdict, askedNetwork } = await hookCheck();
    expect(askedNetwork).toBe(true);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
  });

  it('a meta line that claims the entry of another sha256: a miss', async () => {
    const { meta, document } = await readEntry();
    meta.sha256 = other.sha256;
    await writeEntry(meta, document);
    const { verdict, askedNetwork } = await hookCheck();
    expect(askedNetwork).toBe(true);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
  });
});

/**
 * The repository origin that selects the policy rule in the pre-install hook comes
 * from the cache (src/runtime/recorded-origin.ts), which `_apt` can write. The hook
 * therefore uses it only for a .deb inside apt's archives folder, which came through
 * the method (src/hook/main.ts `requestFor`); a local file never gets an origin, so a
 * planted entry cannot put it under an exemption or a lower threshold. Found by this
 * suite; before the fix any file could be given a planted origin.
 */
describe('the origin recorded in the cache', () => {
  const EXEMPT_ORIGIN = 'rules:\n  - match: { origin: "internal.example" }\n    exempt: { reason: "built in-house, not rebuilt yet", until: 2027-06-30 }\n';
  let local: BuiltDeb;
  let hookRuntime: Runtime;
  let hookCache: string;

  beforeAll(async () => {
    local = await realDeb(join(tmp.dir, 'local'), { name: 'tool', version: '1.0-1' });
    hookCache = join(tmp.dir, 'hook-cache');
    await mkdir(join(tmp.dir, 'etc', 'keys'), { recursive: true });
    await mkdir(hookCache, { recursive: true });
    await writeFile(join(tmp.dir, 'etc', 'keys', 'debian.pem'), debian.rebuilderdPem);
    await writeFile(join(tmp.dir, 'etc', 'policy.yaml'), policyYaml({ threshold: 1, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }], extra: EXEMPT_ORIGIN }));
    // The hook's own runtime: policy and cache from apt's configuration, no network.
    hookRuntime = await openRuntime({
      config: AptConfig.fromItems([
        ['Reprogate::Policy', join(tmp.dir, 'etc', 'policy.yaml')],
        ['Reprogate::Cache', hookCache],
      ]),
      env: {},
      now: () => NOW,
      offline: true,
      cacheMaxAgeMs: FOREVER,
      onWarning: () => undefined,
    });
  });
  afterAll(() => hookRuntime.close());

  /** What src/hook/main.ts does for one install action (`archives` is apt's archives folder). */
  const hookCheckOf = (deb: BuiltDeb, archives = join(tmp.dir, 'archives')) =>
    checkDeb(
      requestFor(
        { kind: 'install', line: 1, name: deb.spec.name, direction: '>', newVersion: deb.spec.version, newArch: deb.spec.architecture, path: deb.path },
        hookRuntime,
        archives,
        () => NOW,
      ),
      hookRuntime.context,
    );

  it('control: an unattested local .deb gets the default rule and is refused', async () => {
    expect(hookRuntime.policy).not.toBeInstanceOf(Error);
    const { verdict } = await hookCheckOf(local);
    expect(verdict.package.origin).toBeUndefined();
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
  });

  it('a planted cache entry naming an exempt origin does not make the hook accept that .deb', async () => {
    const planted = openCache({ dir: hookCache, negativeTtlMs: 3600_000 });
    await planted.put(local.sha256, 'debian', { status: 'missing', code: 'REBUILDER_NOT_FOUND', reason: 'HTTP 404', transient: false }, { now: NOW, origin: 'internal.example' });
    const { verdict } = await hookCheckOf(local);
    expect(verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    // The recorded origin still counts for a .deb in apt's archives (it came through the method).
    const inArchives = await hookCheckOf(local, join(tmp.dir, 'local'));
    expect(inArchives.verdict.package.origin).toBe('internal.example');
  });
});
