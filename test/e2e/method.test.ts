/**
 * The apt method end to end: the real `apt-get` runs the bundled `dist/apt-method`
 * as `reprogate+http` / `reprogate+https` against signed loopback repositories, with
 * loopback rebuilders serving links Debian's `in-toto-run` made (sources trees) and
 * rebuilderd-style attestations signed in-process (rebuilderd v1 API).
 *
 * Every case asserts what a user sees and what stays behind: apt's exit status and
 * lines, the files in archives/ and archives/partial/, and the decision-log records.
 * Each describe block builds one world in beforeAll and reuses it; afterAll prints
 * how long each block took.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archivesListing,
  buildDeb,
  buildDebs,
  buildRepository,
  canListen,
  createLab,
  createSigningKey,
  issueCert,
  makeCA,
  runApt,
  serveStatic,
  startTinyproxy,
  type BuiltDeb,
  type CommandResult,
  type DebSpec,
  type Lab,
  type Repository,
  type StaticServer,
  type Tinyproxy,
} from '../support/aptlab/index.js';
import {
  aptUserId,
  archiveName,
  createMethodRoot,
  fixtureDeb,
  makeStateDir,
  METHOD_NODE,
  readDecisions,
  requireBuiltMethod,
  startRebuilders,
  writePolicy,
  type DecisionRecord,
  type MethodRoot,
  type RebuilderName,
  type Rebuilders,
} from '../support/method-world.js';

const E2E = 120_000; // ms: real apt, servers, the method under Node
const IS_ROOT = process.getuid?.() === 0;

// ---- timings, printed once at the end

const timings: Array<{ block: string; ms: number }> = [];
/** Call in a describe block: measures from its beforeAll to its afterAll. */
function timeBlock(block: string): void {
  let started = 0;
  beforeAll(() => {
    started = performance.now();
  });
  afterAll(() => {
    timings.push({ block, ms: Math.round(performance.now() - started) });
  });
}
afterAll(() => {
  console.log(timings.map(({ block, ms }) => `${String(ms).padStart(7)} ms  ${block}`).join('\n'));
});

// ---- what apt prints

/** apt succeeded and said nothing on stderr: no error, no warning (not even "unsandboxed"). */
function expectClean(result: CommandResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

/** `E: Failed to fetch <uri>  <message>` lines, by URI. */
function fetchFailures(result: CommandResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of result.stderr.matchAll(/^E: Failed to fetch (\S+) {2}(.*)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** `W: <uri>: <message>` lines, by URI. */
function warnings(result: CommandResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of result.stderr.matchAll(/^W: (\S+): (.*)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** The pool file name as apt puts it in a URI (Send-URI-Encoded: `+` is %2b). */
function uriName(deb: BuiltDeb): string {
  return encodeURIComponent(deb.fileName).replace(/%2B/g, '%2b');
}

/** The message apt printed for `deb`'s failed download, also shown under its `Err:` line. */
function failureOf(result: CommandResult, deb: BuiltDeb): string {
  const entry = [...fetchFailures(result)].find(([uri]) => uri.endsWith(`/${uriName(deb)}`));
  expect(entry, `apt reported no failure for ${deb.fileName}:\n${result.stderr}`).toBeDefined();
  const [uri, message] = entry!;
  expect(uri).toMatch(/^reprogate\+https?:\/\//);
  expect(result.stdout).toContain(`\n  ${message}\n`);
  return message;
}

/** The warning apt printed for `deb`'s download (a 104 from the method). */
function warningOf(result: CommandResult, deb: BuiltDeb): string {
  const entry = [...warnings(result)].find(([uri]) => uri.endsWith(`/${uriName(deb)}`));
  expect(entry, `apt printed no warning for ${deb.fileName}:\n${result.stderr}`).toBeDefined();
  return entry![1];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const short = (sha256: string): string => `${sha256.slice(0, 4)}…${sha256.slice(-2)}`;

type Outcome = readonly [RebuilderName, 'agrees' | 'missing' | 'conflicts' | 'invalid', string?];

interface LineShape {
  readonly deb: BuiltDeb;
  readonly agree: number;
  readonly threshold: number;
  /** Each rebuilder's outcome, in policy order; a given reason must match exactly. */
  readonly outcomes: readonly Outcome[];
  readonly verb?: 'refused' | 'audit: would refuse';
  readonly conflict?: boolean;
}

/** The exact shape of the one-line verdict for a refusal counted against the threshold. */
function refusalLine(shape: LineShape): RegExp {
  const { name, version, architecture } = shape.deb.spec;
  const sha = shape.deb.sha256;
  const outcomes = shape.outcomes
    .map(([who, status, reason]) =>
      status === 'agrees' ? `${who}: agrees` : `${who}: ${status} \\(${reason === undefined ? '[^\\]]+?' : escape(reason)}\\)`,
    )
    .join('; ');
  return new RegExp(
    `^reprogate: ${escape(shape.verb ?? 'refused')} ${escape(name)} ${escape(version)} ${architecture} \\(sha256 ${escape(short(sha))}\\): ` +
      `${shape.conflict === true ? 'a rebuilder signed a different sha256 for this file; ' : ''}` +
      `${shape.agree} of ${shape.threshold} independent rebuilders agree \\[${outcomes}\\]; ` +
      `run 'reprogate explain ${sha}' for details$`,
  );
}

/** No file of `deb` in archives/ or archives/partial/ (complete, partial or *.FAILED). */
async function expectAbsent(root: MethodRoot, deb: BuiltDeb): Promise<void> {
  const { archives, partial } = await archivesListing(root);
  const prefix = `${deb.spec.name}_`;
  expect([...archives, ...partial].filter((f) => f.startsWith(prefix))).toEqual([]);
}

/** Decision-log records written since `mark` (a count from `logMark`). */
async function decisionsSince(root: MethodRoot, mark: number): Promise<DecisionRecord[]> {
  return (await readDecisions(root.logFile)).slice(mark);
}
const logMark = async (root: MethodRoot): Promise<number> => (await readDecisions(root.logFile)).length;

function summary(records: readonly DecisionRecord[]): string[] {
  return records.map((r) => `${r.package.name} ${r.package.version} ${r.package.architecture} ${r.code}`).sort();
}

// ---- the worlds

const POLICY_RULES = ['  - match: { package: "exempt-*" }', '    exempt: { reason: "not rebuilt anywhere yet", until: 2099-12-31 }'];

beforeAll(() => requireBuiltMethod());

describe('reprogate+http: gating real apt-get', () => {
  timeBlock('http: the whole block, world included');
  let lab: Lab;
  let pkgs: Record<string, BuiltDeb>;
  let foo: BuiltDeb;
  let repo: Repository;
  let server: StaticServer;
  let elsewhere: StaticServer;
  let rebuilders: Rebuilders;
  let root: MethodRoot;
  let state: string;
  let policy: string;
  let auditPolicy: string;
  let aptUid: number;
  let honestTampered: BuiltDeb;
  let swappedBytes: Buffer;
  /** When set, the repository answers every .deb with a 302 to the same path on `elsewhere` (plain http). */
  let redirectDebs = false;

  beforeAll(async () => {
    lab = await createLab();
    const built = await buildDebs(lab.path('debs'), [
      { name: 'epoch', version: '1:2.0-1', architecture: 'all' },
      { name: 'nmu', version: '0.2.1-1+b2', architecture: 'amd64', source: 'nmu-src (0.2.1-1)' },
      { name: 'nobody', version: '1.0-1', architecture: 'amd64' },
      { name: 'rival', version: '1.0-1', architecture: 'all' },
      // What the compromised repository serves; the rebuilders rebuilt the honest one below.
      { name: 'tampered', version: '1.0-1', architecture: 'amd64', control: { 'X-Compromised': 'yes' } },
      { name: 'swapped', version: '1.0-1', architecture: 'all' },
      { name: 'lonely', version: '1.0-1', architecture: 'all' },
      { name: 'exempt-me', version: '1.0-1', architecture: 'amd64' },
    ]);
    foo = await fixtureDeb(lab.path('fixture'));
    pkgs = Object.fromEntries([foo, ...built].map((d) => [d.spec.name, d]));
    honestTampered = await buildDeb(lab.path('debs-honest'), { name: 'tampered', version: '1.0-1', architecture: 'amd64' });
    // Same size, other bytes: a mirror that serves something else than the signed index lists.
    swappedBytes = Buffer.from(await readFile(pkgs['swapped']!.path));
    const last = swappedBytes.length - 1;
    swappedBytes[last] = swappedBytes[last]! ^ 0xff;

    const key = await createSigningKey(lab.path('key'));
    lab.defer(() => key.close());
    repo = await buildRepository(lab.path('repo'), [foo, ...built], { suite: 'stable', component: 'main', signWith: key });
    elsewhere = await serveStatic(repo.root);
    lab.defer(() => elsewhere.close());
    const swappedPath = `/${repo.packages.find((p) => p.deb.spec.name === 'swapped')!.filename}`;
    server = await serveStatic(repo.root, {
      redirect: (path) => (redirectDebs && path.endsWith('.deb') ? `${elsewhere.url}${path}` : undefined),
      onRequest: (req, res) => {
        if (req.url !== swappedPath) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(swappedBytes.length) });
        res.end(swappedBytes);
        return true;
      },
    });
    lab.defer(() => server.close());

    rebuilders = await startRebuilders(lab, lab.path('conf'));
    await rebuilders.attestFixture(); // notset: in-toto-run --gpg link; third: in-toto-run ed25519 link
    rebuilders.attest('debian', foo);
    const p = (name: string): BuiltDeb => pkgs[name]!;
    rebuilders.attest('debian', p('epoch'));
    rebuilders.attest('notset', p('epoch'));
    rebuilders.attest('debian', p('nmu'));
    rebuilders.attest('third', p('nmu'), { filedUnder: 'source' });
    rebuilders.attest('notset', p('rival'));
    rebuilders.attest('third', p('rival'));
    rebuilders.attest('debian', p('rival'), { sha256: 'c0ffee'.padEnd(64, '0') });
    for (const who of ['debian', 'notset', 'third'] as const) rebuilders.attest(who, honestTampered);
    rebuilders.attest('debian', p('swapped'));
    rebuilders.attest('notset', p('swapped'));
    rebuilders.attest('debian', p('lonely'));

    policy = await writePolicy(lab.path('conf/policy.yaml'), rebuilders, { threshold: 2, rules: POLICY_RULES });
    auditPolicy = await writePolicy(lab.path('conf/audit.yaml'), rebuilders, { threshold: 2, mode: 'audit' });
    state = await makeStateDir(lab.path('state'));
    root = await createMethodRoot(lab.path('root'), { repository: repo, uri: `reprogate+${server.url}/`, policy, state });
    aptUid = await aptUserId(lab.path());
    expectClean(await runApt(root, ['update']));
  }, E2E);

  afterAll(() => lab?.close());

  const install = async (names: readonly string[], extra: readonly string[] = []): Promise<CommandResult> => {
    expectClean(await runApt(root, ['clean']));
    return runApt(root, ['install', '--download-only', '-y', ...names, ...extra]);
  };

  describe('1. update and attested installs', () => {
    timeBlock('http: update and attested installs');

    it('apt-get update goes through the method and leaves the index files untouched', async () => {
      const mark = await logMark(root);
      server.clearLog();
      const update = await runApt(root, ['update']);
      expectClean(update);
      expect(update.stdout).toMatch(new RegExp(`^(Get|Hit):1 reprogate\\+${escape(server.url)} stable InRelease`, 'm'));
      expect(server.requests.map((r) => r.path)).toContain('/dists/stable/InRelease');
      const lists = await readdir(root.listsDir);
      const inRelease = lists.find((f) => f.endsWith('_dists_stable_InRelease'));
      const packages = lists.find((f) => /_dists_stable_main_binary-amd64_Packages(\.gz)?$/.test(f));
      expect(await readFile(join(root.listsDir, inRelease!))).toEqual(await readFile(join(repo.suiteDir, 'InRelease')));
      const index = await readFile(join(root.listsDir, packages!));
      expect((packages!.endsWith('.gz') ? gunzipSync(index) : index).toString()).toBe(repo.packagesIndex);
      expect(await decisionsSince(root, mark)).toEqual([]); // indices are not gated
    }, E2E);

    it('installs foo, attested by all three rebuilders (in-toto-run GPG and ed25519 links, rebuilderd)', async () => {
      const mark = await logMark(root);
      const result = await install(['foo']);
      expectClean(result);
      expect(result.stdout).toMatch(new RegExp(`^Get:1 reprogate\\+${escape(server.url)} stable/main amd64 foo amd64 1\\.0-1 \\[\\d+ B\\]$`, 'm'));
      expect(await archivesListing(root)).toEqual({ archives: ['foo_1.0-1_amd64.deb'], partial: [] });
      expect(await readFile(join(root.archivesDir, 'foo_1.0-1_amd64.deb'))).toEqual(await readFile(foo.path));
      const [record] = await decisionsSince(root, mark);
      expect(record).toMatchObject({
        code: 'ACCEPTED',
        package: { name: 'foo', version: '1.0-1', architecture: 'amd64', sha256: foo.sha256, origin: `127.0.0.1:${server.port}` },
        threshold: 2,
        agreeingOperators: ['debian', 'notset', 'third'],
      });
      expect(record!.rebuilders.map((r) => r.reason)).toEqual([
        expect.stringMatching(/^signed by ed25519 key /),
        expect.stringMatching(/^signed by OpenPGP subkey [0-9A-F]{40} of [0-9A-F]{40}$/),
        expect.stringMatching(/^signed by ed25519 key /),
      ]);
      // Each rebuilder was asked the way its type asks.
      expect(rebuilders.servers.debian.requestsTo(/^api\/v1\/packages\/binary/).length).toBeGreaterThan(0);
      expect(rebuilders.servers.notset.requestsTo('sources/foo/1.0-1/metadata').length).toBeGreaterThan(0);
      expect(rebuilders.servers.third.requestsTo('sources/foo/1.0-1/metadata').length).toBeGreaterThan(0);
    }, E2E);

    it('reports only SHA-256 unless Acquire::ForceHash asks for another type, which apt then gets and checks', async () => {
      // The index lists MD5 and SHA-256, as Debian's do; apt needs one type in common.
      expect(repo.packagesIndex).toMatch(/^MD5sum: /m);
      for (const forced of [[], ['-o', 'Acquire::ForceHash=MD5Sum']]) {
        const result = await install(['foo'], forced);
        expectClean(result);
        expect(await archivesListing(root)).toEqual({ archives: ['foo_1.0-1_amd64.deb'], partial: [] });
      }
    }, E2E);
  });

  describe('2. refusals: unattested, conflicting, tampered, swapped, below threshold', () => {
    timeBlock('http: refusals');

    it('refuses an unattested package with the one-line reason, and leaves no file of it', async () => {
      const mark = await logMark(root);
      const result = await install(['nobody']);
      expect(result.code).toBe(100);
      const nobody = pkgs['nobody']!;
      expect(failureOf(result, nobody)).toMatch(
        refusalLine({
          deb: nobody,
          agree: 0,
          threshold: 2,
          outcomes: [
            ['debian', 'missing', 'no GOOD build of nobody 1.0-1 amd64'],
            ['notset', 'missing', 'HTTP 404'],
            ['third', 'missing', 'HTTP 404'],
          ],
        }),
      );
      expect(result.stdout).toMatch(new RegExp(`^Err:1 reprogate\\+${escape(server.url)} stable/main amd64 nobody amd64 1\\.0-1$`, 'm'));
      expect(result.stderr).toMatch(/^E: Some files failed to download$/m);
      await expectAbsent(root, nobody);
      expect(summary(await decisionsSince(root, mark))).toEqual(['nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD']);
    }, E2E);

    it('refuses a package one rebuilder signed another sha256 for, though two others agree (conflict)', async () => {
      const mark = await logMark(root);
      const rival = pkgs['rival']!;
      const result = await install(['rival']);
      expect(result.code).toBe(100);
      expect(failureOf(result, rival)).toMatch(
        refusalLine({
          deb: rival,
          agree: 2,
          threshold: 2,
          conflict: true,
          outcomes: [['debian', 'conflicts', `signed sha256 c0ff…00 for ${rival.fileName}`], ['notset', 'agrees'], ['third', 'agrees']],
        }),
      );
      await expectAbsent(root, rival);
      expect(summary(await decisionsSince(root, mark))).toEqual(['rival 1.0-1 all REFUSED_CONFLICT']);
    }, E2E);

    it('refuses a package a compromised repository changed and re-indexed: every rebuilder signed the honest build', async () => {
      const mark = await logMark(root);
      const tampered = pkgs['tampered']!;
      expect(tampered.sha256).not.toBe(honestTampered.sha256);
      const result = await install(['tampered']);
      expect(result.code).toBe(100);
      const because = `signed sha256 ${short(honestTampered.sha256)} for ${tampered.fileName}`;
      expect(failureOf(result, tampered)).toMatch(
        refusalLine({
          deb: tampered,
          agree: 0,
          threshold: 2,
          conflict: true,
          outcomes: [['debian', 'conflicts', because], ['notset', 'conflicts', because], ['third', 'conflicts', because]],
        }),
      );
      await expectAbsent(root, tampered);
      expect(summary(await decisionsSince(root, mark))).toEqual(['tampered 1.0-1 amd64 REFUSED_CONFLICT']);
    }, E2E);

    it('refuses bytes that differ from the signed index before asking anyone (hash mismatch)', async () => {
      const mark = await logMark(root);
      const swapped = pkgs['swapped']!;
      const served = createHash('sha256').update(swappedBytes).digest('hex');
      const result = await install(['swapped']);
      expect(result.code).toBe(100);
      expect(failureOf(result, swapped)).toBe(
        `reprogate: refused swapped 1.0-1 all (sha256 ${short(served)}): sha256 ${served} is not the ${swapped.sha256} the signed index lists`,
      );
      await expectAbsent(root, swapped);
      const records = await decisionsSince(root, mark);
      expect(summary(records)).toEqual(['swapped 1.0-1 all REFUSED_HASH_MISMATCH']);
      expect(records[0]!.package.sha256).toBe(served);
    }, E2E);

    it('refuses a package only one of the two required rebuilders attests (below threshold)', async () => {
      const mark = await logMark(root);
      const lonely = pkgs['lonely']!;
      const result = await install(['lonely']);
      expect(result.code).toBe(100);
      expect(failureOf(result, lonely)).toMatch(
        refusalLine({
          deb: lonely,
          agree: 1,
          threshold: 2,
          outcomes: [['debian', 'agrees'], ['notset', 'missing', 'HTTP 404'], ['third', 'missing', 'HTTP 404']],
        }),
      );
      await expectAbsent(root, lonely);
      expect(summary(await decisionsSince(root, mark))).toEqual(['lonely 1.0-1 all REFUSED_BELOW_THRESHOLD']);
    }, E2E);

    it('in one run with an attested package, refuses only the unattested one', async () => {
      const mark = await logMark(root);
      const result = await install(['foo', 'nobody']);
      expect(result.code).toBe(100);
      expect([...fetchFailures(result).keys()]).toEqual([expect.stringMatching(/\/nobody_1\.0-1_amd64\.deb$/)]);
      expect(await archivesListing(root)).toEqual({ archives: ['foo_1.0-1_amd64.deb'], partial: [] });
      expect(summary(await decisionsSince(root, mark))).toEqual(['foo 1.0-1 amd64 ACCEPTED', 'nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD']);
    }, E2E);

    it('gates the same when apt runs dist/apt-method.js, the Node entry point, instead of the shell launcher', async () => {
      const nodeRoot = await createMethodRoot(lab.path('root-node'), { repository: repo, uri: `reprogate+${server.url}/`, policy, state, method: METHOD_NODE });
      expect(root.logFile).toBe(nodeRoot.logFile);
      expectClean(await runApt(nodeRoot, ['update']));
      const mark = await logMark(nodeRoot);
      const result = await runApt(nodeRoot, ['install', '--download-only', '-y', 'foo', 'nobody']);
      expect(result.code).toBe(100);
      expect([...fetchFailures(result).keys()]).toEqual([expect.stringMatching(/\/nobody_1\.0-1_amd64\.deb$/)]);
      expect(await archivesListing(nodeRoot)).toEqual({ archives: ['foo_1.0-1_amd64.deb'], partial: [] });
      expect(summary(await decisionsSince(nodeRoot, mark))).toEqual(['foo 1.0-1 amd64 ACCEPTED', 'nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD']);
    }, E2E);
  });

  describe('5. a redirect to plain http:// stays gated', () => {
    timeBlock('http: redirect to plain http');
    beforeAll(() => {
      redirectDebs = true;
    });
    afterAll(() => {
      redirectDebs = false;
    });

    it('apt follows an absolute http:// Location as reprogate+http: the attested package passes, the other is refused', async () => {
      const mark = await logMark(root);
      server.clearLog();
      elsewhere.clearLog();
      const epoch = pkgs['epoch']!;
      const nobody = pkgs['nobody']!;
      const result = await install(['epoch', 'nobody']);
      expect(result.code).toBe(100);
      // The repository only redirected; the files came from the other server.
      expect(server.requests.filter((r) => r.path.endsWith('.deb')).map((r) => r.status)).toEqual([302, 302]);
      expect(elsewhere.requests.map((r) => r.path).sort()).toEqual([`/${repoFile('epoch')}`, `/${repoFile('nobody')}`]);
      expect([...fetchFailures(result).keys()]).toEqual([`reprogate+${elsewhere.url}/${repoFile('nobody')}`]);
      expect(failureOf(result, nobody)).toMatch(
        refusalLine({ deb: nobody, agree: 0, threshold: 2, outcomes: [['debian', 'missing'], ['notset', 'missing'], ['third', 'missing']] }),
      );
      expect(await archivesListing(root)).toEqual({ archives: [archiveName(epoch)], partial: [] });
      const records = await decisionsSince(root, mark);
      expect(summary(records)).toEqual(['epoch 1:2.0-1 all ACCEPTED', 'nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD']);
    }, E2E);
  });

  describe('7. epoch and binNMU versions', () => {
    timeBlock('http: epoch and binNMU');

    it('accepts an epoch package (pool file without the epoch, rebuilders asked with it)', async () => {
      const mark = await logMark(root);
      const epoch = pkgs['epoch']!;
      const result = await install(['epoch']);
      expectClean(result);
      expect(await archivesListing(root)).toEqual({ archives: ['epoch_1%3a2.0-1_all.deb'], partial: [] });
      expect(summary(await decisionsSince(root, mark))).toEqual(['epoch 1:2.0-1 all ACCEPTED']);
      expect(rebuilders.servers.notset.requestsTo('sources/epoch/1%3A2.0-1/metadata').length).toBeGreaterThan(0);
      expect(epoch.fileName).toBe('epoch_2.0-1_all.deb');
    }, E2E);

    it('accepts a binNMU whose sources-tree link is filed under its source package only (retry under the source)', async () => {
      const mark = await logMark(root);
      rebuilders.servers.third.clearLog();
      const result = await install(['nmu']);
      expectClean(result);
      // third files the link at sources/nmu-src/0.2.1-1/metadata only; the method must ask there once it knows the source.
      expect(rebuilders.servers.third.requestsTo('sources/nmu-src/0.2.1-1/metadata').length).toBeGreaterThan(0);
      expect(await archivesListing(root)).toEqual({ archives: ['nmu_0.2.1-1+b2_amd64.deb'], partial: [] });
      const [record] = await decisionsSince(root, mark);
      expect(record).toMatchObject({ code: 'ACCEPTED', agreeingOperators: ['debian', 'third'] });
    }, E2E);
  });

  describe('8. audit mode and exemptions', () => {
    timeBlock('http: audit mode and exemptions');

    it('audit mode downloads a package it would refuse and warns with the one-line reason (exit 0)', async () => {
      const mark = await logMark(root);
      const nobody = pkgs['nobody']!;
      const result = await install(['nobody'], ['-o', `Reprogate::Policy=${auditPolicy}`]);
      expect(result.code).toBe(0);
      expect(fetchFailures(result).size).toBe(0);
      expect(warningOf(result, nobody)).toMatch(
        refusalLine({
          deb: nobody,
          verb: 'audit: would refuse',
          agree: 0,
          threshold: 2,
          outcomes: [['debian', 'missing'], ['notset', 'missing'], ['third', 'missing']],
        }),
      );
      expect(result.stderr.trim().split('\n')).toHaveLength(1); // that warning and nothing else
      expect(await archivesListing(root)).toEqual({ archives: ['nobody_1.0-1_amd64.deb'], partial: [] });
      const [record] = await decisionsSince(root, mark);
      expect(record).toMatchObject({ code: 'REFUSED_BELOW_THRESHOLD', accepted: false, enforced: false });
    }, E2E);

    it('accepts an exempt package with a warning naming the exemption', async () => {
      const mark = await logMark(root);
      const exempt = pkgs['exempt-me']!;
      const result = await install(['exempt-me']);
      expect(result.code).toBe(0);
      expect(warningOf(result, exempt)).toMatch(
        new RegExp(
          `^reprogate: accepted exempt-me 1\\.0-1 amd64 \\(sha256 ${escape(short(exempt.sha256))}\\) by exemption until 2099-12-31 ` +
            `\\(not rebuilt anywhere yet\\): 0 of 2 independent rebuilders agree \\[debian: missing \\([^\\]]+\\); notset: missing \\(HTTP 404\\); third: missing \\(HTTP 404\\)\\]$`,
        ),
      );
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(await archivesListing(root)).toEqual({ archives: ['exempt-me_1.0-1_amd64.deb'], partial: [] });
      expect(summary(await decisionsSince(root, mark))).toEqual(['exempt-me 1.0-1 amd64 ACCEPTED_EXEMPT']);
    }, E2E);
  });

  describe.skipIf(!IS_ROOT)(`9. privileges${IS_ROOT ? '' : ' (skipped: needs root, apt only sandboxes methods when it runs as root)'}`, () => {
    timeBlock('http: privileges');

    it('runs as _apt: it says so under Debug::Reprogate, and _apt owns the decision log it created', async () => {
      const result = await install(['foo'], ['-o', 'Debug::Reprogate=1']);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^reprogate \(reprogate\+http\): sandbox: running as _apt$/m);
      expect(result.stderr).not.toMatch(/^[WE]: /m);
      // The state folder is root's (mode 0777): a log root had created would be root's.
      expect((await stat(state)).uid).toBe(0);
      expect((await stat(root.logFile)).uid).toBe(aptUid);
    }, E2E);

    it('on apt-get update, which fetches index files only, it drops to _apt too and never reads the policy', async () => {
      const unreadable = lab.path('conf/no-such-policy.yaml');
      const update = await runApt(root, ['update', '-o', 'Debug::Reprogate=1', '-o', `Reprogate::Policy=${unreadable}`]);
      expect(update.code).toBe(0);
      expect(update.stderr).toMatch(/^reprogate \(reprogate\+http\): sandbox: running as _apt$/m);
      // The gate (and with it the policy) is loaded with the first package; a run without one never complains about it.
      expect(update.stderr).not.toMatch(/refused|policy/);
      expect(update.stderr).not.toMatch(/^[WE]: /m);
    }, E2E);

    it('with APT::Sandbox::User=root it stays root and still gates', async () => {
      const rootLog = join(state, 'decisions-as-root.jsonl');
      const asRoot = ['-o', 'APT::Sandbox::User=root', '-o', `Reprogate::Log=${rootLog}`, '-o', 'Debug::Reprogate=1'];
      const accepted = await install(['epoch'], asRoot);
      expect(accepted.code).toBe(0);
      expect(accepted.stderr).toMatch(/^reprogate \(reprogate\+http\): sandbox: APT::Sandbox::User is root$/m);
      expect(accepted.stderr).not.toMatch(/^[WE]: /m);
      expect((await stat(rootLog)).uid).toBe(0);
      const refused = await install(['nobody'], asRoot);
      expect(refused.code).toBe(100);
      await expectAbsent(root, pkgs['nobody']!);
      expect(summary(await readDecisions(rootLog))).toEqual(['epoch 1:2.0-1 all ACCEPTED', 'nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD']);
    }, E2E);
  });

  function repoFile(name: string): string {
    return repo.packages.find((p) => p.deb.spec.name === name)!.filename;
  }
});

describe('3. reprogate+https with a throwaway CA', () => {
  timeBlock('https: repository and rebuilders behind a throwaway CA');
  let lab: Lab;
  let foo: BuiltDeb;
  let good: BuiltDeb;
  let repo: Repository;
  let rebuilders: Rebuilders;
  let root: MethodRoot;
  let plainRoot: MethodRoot;
  let tlsServer: StaticServer;

  beforeAll(async () => {
    lab = await createLab();
    foo = await fixtureDeb(lab.path('fixture'));
    good = await buildDeb(lab.path('debs'), { name: 'good', version: '1:2.0-1', architecture: 'all' });
    const key = await createSigningKey(lab.path('key'));
    lab.defer(() => key.close());
    repo = await buildRepository(lab.path('repo'), [foo, good], { suite: 'stable', component: 'main', signWith: key });
    const ca = await makeCA(lab.path('ca'));
    const cert = await issueCert(ca, { ips: ['127.0.0.1'] });
    tlsServer = await serveStatic(repo.root, { tls: cert });
    lab.defer(() => tlsServer.close());
    const plainServer = await serveStatic(repo.root);
    lab.defer(() => plainServer.close());

    rebuilders = await startRebuilders(lab, lab.path('conf'), { tls: cert });
    await rebuilders.attestFixture();
    rebuilders.attest('debian', foo);
    rebuilders.attest('debian', good);
    rebuilders.attest('notset', good);
    const policy = await writePolicy(lab.path('conf/policy.yaml'), rebuilders, { threshold: 2 });
    const state = await makeStateDir(lab.path('state'));
    root = await createMethodRoot(lab.path('root'), {
      repository: repo,
      uri: `reprogate+${tlsServer.url}/`,
      policy,
      state,
      config: { 'Acquire::https::CaInfo': ca.certPath },
    });
    // A plain-http repository, the https rebuilders, and no CaInfo: nothing but the
    // rebuilders needs the CA here, so this root shows that the method relies on it.
    plainRoot = await createMethodRoot(lab.path('root-plain'), {
      repository: repo,
      uri: `reprogate+${plainServer.url}/`,
      policy,
      state: await makeStateDir(lab.path('state-plain')),
    });
  }, E2E);

  afterAll(() => lab?.close());

  it('updates and installs over reprogate+https, fetching attestations over https with apt\'s CaInfo', async () => {
    const update = await runApt(root, ['update']);
    expectClean(update);
    expect(update.stdout).toMatch(new RegExp(`^Get:1 reprogate\\+${escape(tlsServer.url)} stable InRelease`, 'm'));
    const result = await runApt(root, ['install', '--download-only', '-y', 'foo', 'good']);
    expectClean(result);
    expect(await archivesListing(root)).toEqual({ archives: ['foo_1.0-1_amd64.deb', archiveName(good)], partial: [] });
    expect(summary(await readDecisions(root.logFile))).toEqual(['foo 1.0-1 amd64 ACCEPTED', 'good 1:2.0-1 all ACCEPTED']);
    for (const who of ['debian', 'notset', 'third'] as const) {
      expect(rebuilders.urls[who]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      expect(rebuilders.servers[who].requests.length).toBeGreaterThan(0);
    }
  }, E2E);

  it('without Acquire::https::CaInfo the https rebuilders cannot be verified, so the package is refused', async () => {
    expectClean(await runApt(plainRoot, ['update']));
    const result = await runApt(plainRoot, ['install', '--download-only', '-y', 'good']);
    expect(result.code).toBe(100);
    const untrusted = 'TLS failure (UNABLE_TO_VERIFY_LEAF_SIGNATURE)';
    expect(failureOf(result, good)).toMatch(
      refusalLine({
        deb: good,
        agree: 0,
        threshold: 2,
        outcomes: [['debian', 'missing', untrusted], ['notset', 'missing', untrusted], ['third', 'missing', untrusted]],
      }),
    );
    await expectAbsent(plainRoot, good);
    expect(summary(await readDecisions(plainRoot.logFile))).toEqual(['good 1:2.0-1 all REFUSED_BELOW_THRESHOLD']);
  }, E2E);
});

// Qubes' updates proxy tunnels CONNECT to port 443 only, so every server in this
// flow listens on its own 127.0.0.x:443 (127.0.0.1:443 is left to the aptlab self-test,
// which vitest may run at the same time).
const QUBES_HOSTS = { repo: '127.0.0.3', debian: '127.0.0.4', notset: '127.0.0.5', third: '127.0.0.6' } as const;
const QUBES_SKIP = !IS_ROOT
  ? 'needs root to listen on port 443'
  : !(await Promise.all(Object.values(QUBES_HOSTS).map((h) => canListen(h, 443)))).every(Boolean)
    ? `port 443 is taken on one of ${Object.values(QUBES_HOSTS).join(', ')}`
    : undefined;

describe.skipIf(QUBES_SKIP !== undefined)(`4. the Qubes proxy flow${QUBES_SKIP ? ` (skipped: ${QUBES_SKIP})` : ''}`, () => {
  timeBlock('qubes: tinyproxy with ConnectPort 443');
  let lab: Lab;
  let foo: BuiltDeb;
  let good: BuiltDeb;
  let nobody: BuiltDeb;
  let repoServer: StaticServer;
  let rebuilders: Rebuilders;
  let proxy: Tinyproxy;
  let root: MethodRoot;

  beforeAll(async () => {
    lab = await createLab();
    foo = await fixtureDeb(lab.path('fixture'));
    good = await buildDeb(lab.path('debs'), { name: 'good', version: '1:2.0-1', architecture: 'all' });
    nobody = await buildDeb(lab.path('debs'), { name: 'nobody', version: '1.0-1', architecture: 'amd64' });
    const key = await createSigningKey(lab.path('key'));
    lab.defer(() => key.close());
    const repo = await buildRepository(lab.path('repo'), [foo, good, nobody], { suite: 'stable', component: 'main', signWith: key });
    const ca = await makeCA(lab.path('ca'));
    const cert = await issueCert(ca, { ips: Object.values(QUBES_HOSTS) });
    repoServer = await serveStatic(repo.root, { tls: cert, host: QUBES_HOSTS.repo, port: 443, allowOnlyFrom: '127.0.0.2' });
    lab.defer(() => repoServer.close());
    rebuilders = await startRebuilders(lab, lab.path('conf'), {
      tls: cert,
      fixed: { hosts: QUBES_HOSTS, port: 443, allowOnlyFrom: '127.0.0.2' },
    });
    await rebuilders.attestFixture();
    rebuilders.attest('debian', foo);
    rebuilders.attest('debian', good);
    rebuilders.attest('notset', good);
    proxy = await startTinyproxy(lab.path('tinyproxy'), { connectPorts: [443], bindOutgoing: '127.0.0.2' });
    lab.defer(() => proxy.close());
    const policy = await writePolicy(lab.path('conf/policy.yaml'), rebuilders, { threshold: 2 });
    root = await createMethodRoot(lab.path('root'), {
      repository: repo,
      uri: `reprogate+${repoServer.url}/`,
      policy,
      state: await makeStateDir(lab.path('state')),
      // As a Qubes template sets it: the http proxy only; https falls back to it and tunnels with CONNECT.
      config: { 'Acquire::https::CaInfo': ca.certPath, 'Acquire::http::Proxy': proxy.url },
    });
  }, E2E);

  afterAll(() => lab?.close());

  it('updates and installs with the repository and every rebuilder reachable only through tinyproxy', async () => {
    expect(repoServer.url).toBe('https://127.0.0.3');
    expect(rebuilders.urls).toEqual({ debian: 'https://127.0.0.4/', notset: 'https://127.0.0.5/', third: 'https://127.0.0.6/' });
    expectClean(await runApt(root, ['update']));
    const result = await runApt(root, ['install', '--download-only', '-y', 'foo', 'good']);
    expectClean(result);
    expect(await archivesListing(root)).toEqual({ archives: ['foo_1.0-1_amd64.deb', archiveName(good)], partial: [] });
    expect(summary(await readDecisions(root.logFile))).toEqual(['foo 1.0-1 amd64 ACCEPTED', 'good 1:2.0-1 all ACCEPTED']);

    const log = await proxy.readLog();
    for (const host of Object.values(QUBES_HOSTS)) {
      expect(log).toMatch(new RegExp(`Request \\(file descriptor \\d+\\): CONNECT ${escape(host)}:443 HTTP/1\\.1`));
    }
    // Everything that reached a server came from tinyproxy's outgoing address, and nothing tried to go around it.
    const servers = [repoServer, ...Object.values(rebuilders.fronts)];
    for (const s of servers) {
      expect(s.requests.length).toBeGreaterThan(0);
      expect(new Set(s.requests.map((r) => r.remoteAddress))).toEqual(new Set(['127.0.0.2']));
      expect(s.refused).toEqual([]);
    }
  }, E2E);

  it('refuses an unattested package through the proxy just the same', async () => {
    const result = await runApt(root, ['install', '--download-only', '-y', 'nobody']);
    expect(result.code).toBe(100);
    expect(failureOf(result, nobody)).toMatch(
      refusalLine({
        deb: nobody,
        agree: 0,
        threshold: 2,
        outcomes: [['debian', 'missing', 'no GOOD build of nobody 1.0-1 amd64'], ['notset', 'missing', 'HTTP 404'], ['third', 'missing', 'HTTP 404']],
      }),
    );
    await expectAbsent(root, nobody);
    expect(summary(await readDecisions(root.logFile))).toContain('nobody 1.0-1 amd64 REFUSED_BELOW_THRESHOLD');
  }, E2E);
});

describe('6. fifty packages in one pipelined apt run', () => {
  timeBlock('bulk: 50 packages, 5 unattested');
  const UNATTESTED = new Set([3, 14, 25, 36, 47]);
  let lab: Lab;
  let debs: BuiltDeb[];
  let server: StaticServer;
  let rebuilders: Rebuilders;
  let root: MethodRoot;

  beforeAll(async () => {
    lab = await createLab();
    const specs = Array.from({ length: 50 }, (_, i): DebSpec => ({
      name: `bulk-${String(i).padStart(2, '0')}`,
      version: `1.${i}-1`,
      architecture: i % 2 === 0 ? 'all' : 'amd64',
    }));
    debs = await buildDebs(lab.path('debs'), specs, { builder: 'node' });
    const key = await createSigningKey(lab.path('key'));
    lab.defer(() => key.close());
    const repo = await buildRepository(lab.path('repo'), debs, { suite: 'stable', component: 'main', signWith: key });
    server = await serveStatic(repo.root);
    lab.defer(() => server.close());
    rebuilders = await startRebuilders(lab, lab.path('conf'));
    debs.forEach((deb, i) => {
      if (UNATTESTED.has(i)) return;
      rebuilders.attest('debian', deb);
      rebuilders.attest('notset', deb);
    });
    const policy = await writePolicy(lab.path('conf/policy.yaml'), rebuilders, { threshold: 2 });
    root = await createMethodRoot(lab.path('root'), {
      repository: repo,
      uri: `reprogate+${server.url}/`,
      policy,
      state: await makeStateDir(lab.path('state')),
    });
    expectClean(await runApt(root, ['update']));
  }, E2E);

  afterAll(() => lab?.close());

  it('refuses exactly the five unattested packages and keeps the other 45', async () => {
    server.clearLog();
    const started = performance.now();
    const result = await runApt(root, ['install', '--download-only', '-y', ...debs.map((d) => d.spec.name)]);
    const ms = Math.round(performance.now() - started);
    timings.push({ block: 'bulk: the apt run itself (50 packages)', ms });
    expect(result.code).toBe(100);

    const refused = debs.filter((_, i) => UNATTESTED.has(i));
    const accepted = debs.filter((_, i) => !UNATTESTED.has(i));
    expect(fetchFailures(result).size).toBe(5);
    for (const deb of refused) {
      expect(failureOf(result, deb)).toMatch(
        refusalLine({ deb, agree: 0, threshold: 2, outcomes: [['debian', 'missing'], ['notset', 'missing', 'HTTP 404'], ['third', 'missing', 'HTTP 404']] }),
      );
    }
    expect(await archivesListing(root)).toEqual({ archives: accepted.map(archiveName).sort(), partial: [] });

    const records = await readDecisions(root.logFile);
    expect(records).toHaveLength(50);
    expect(summary(records)).toEqual(
      debs.map((d, i) => `${d.spec.name} ${d.spec.version} ${d.spec.architecture} ${UNATTESTED.has(i) ? 'REFUSED_BELOW_THRESHOLD' : 'ACCEPTED'}`).sort(),
    );
    // apt pipelined the 50 requests over a handful of connections.
    const debRequests = server.requests.filter((r) => r.path.endsWith('.deb'));
    expect(debRequests).toHaveLength(50);
    expect(new Set(debRequests.map((r) => r.connection)).size).toBeLessThanOrEqual(3);
    // undici opens another connection only while the others are busy: lookups ran side by side.
    expect(new Set(rebuilders.servers.debian.requests.map((r) => r.connection)).size).toBeGreaterThan(1);
  }, E2E);
});
