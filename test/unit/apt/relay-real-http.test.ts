/**
 * The relay as apt runs it: an executable named reprogate+http in a methods
 * directory, driven over its pipes, relaying to the real /usr/lib/apt/methods/http
 * against a loopback HTTP server. The gate is the stand-in of apt-relay-entry.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedAptMessage } from '../../../src/apt/index.js';
import { getField } from '../../../src/apt/index.js';
import { acquireText, configurationText } from '../../support/apt-fake-relay-io.js';
import type { Route } from '../../support/apt-loopback-server.js';
import { startLoopbackServer } from '../../support/apt-loopback-server.js';
import type { LoopbackServer } from '../../support/apt-loopback-server.js';
import { bundleExecutable, installMethod, isRunning, MethodDriver } from '../../support/apt-method-driver.js';
import { eventually } from '../../support/apt-wait.js';

const STOCK_HTTP = '/usr/lib/apt/methods/http';
const haveStockHttp = existsSync(STOCK_HTTP);

let work: string;
let methods: string;
let fakeMethods: string;
let relayPath: string;
let fakeRelayPath: string;
let server: LoopbackServer;
const files = new Map<string, Buffer>();
const drivers: MethodDriver[] = [];

const debName = (i: number) => `p${String(i).padStart(2, '0')}_1.0_all.deb`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'reprogate-relay-'));
  methods = join(work, 'methods');
  fakeMethods = join(work, 'fake-methods');
  await mkdir(methods);
  await mkdir(fakeMethods);
  const relayBundle = join(work, 'relay.mjs');
  await bundleExecutable('test/support/apt-relay-entry.ts', relayBundle);
  await bundleExecutable('test/support/apt-fake-http-method.ts', join(work, 'fake-http.mjs'));
  relayPath = await installMethod(methods, 'reprogate+http', relayBundle);
  await installMethod(methods, 'http', STOCK_HTTP);
  fakeRelayPath = await installMethod(fakeMethods, 'reprogate+http', relayBundle);
  await installMethod(fakeMethods, 'http', join(work, 'fake-http.mjs'));

  const routes = new Map<string, Route>();
  const add = (path: string, body: Buffer) => {
    files.set(path, body);
    routes.set(path, { body });
  };
  for (let i = 1; i <= 18; i++) add(`/pool/${debName(i)}`, randomBytes(2000 + i));
  add('/dists/stable/InRelease', Buffer.from('Origin: lab\n'));
  add('/dists/stable/main/binary-all/Packages', Buffer.from('Package: p01\n'));
  add('/pool/evil_6.6_all.deb', randomBytes(764));
  add('/pool/boom_1.0_all.deb', randomBytes(100));
  add('/pool/hello_1.0_all.deb', randomBytes(776));
  routes.set('/pool/slow_1.0_all.deb', { body: randomBytes(100_000), stallAfter: 1000 });
  server = await startLoopbackServer(routes);
  routes.set('/pool/moved_1.0_all.deb', { redirect: `http://${server.base}/pool/hello_1.0_all.deb` });
}, 30_000);

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.dispose()));
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function startRelay(env: Record<string, string> = {}, path = relayPath): MethodDriver {
  const driver = MethodDriver.start(path, { RELAY_TEST_EVENTS: join(work, `events-${drivers.length}.jsonl`), ...env });
  drivers.push(driver);
  return driver;
}

const uri = (path: string) => `reprogate+http://${server.base}${path}`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const isFinal = (m: ParsedAptMessage) => m.code === 201 || m.code === 400 || m.code === 103;

async function partialDir(): Promise<string> {
  return mkdtemp(join(work, 'partial-'));
}

function configure(driver: MethodDriver, extra: [string, string][] = [], methodsDir = methods): void {
  driver.send(configurationText([['Acquire::Send-URI-Encoded', '1'], ['Dir::Bin::Methods', `${methodsDir}/`], ...extra]));
}

async function events(driver: MethodDriver): Promise<{ event: string; uri: string; at: number }[]> {
  const path = join(work, `events-${drivers.indexOf(driver)}.jsonl`);
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; uri: string; at: number });
}

describe.skipIf(!haveStockHttp)('relay with the real http method', () => {
  it('answers the capability probe at once, then exits 0 on EOF and SIGINT, quietly', async () => {
    const driver = startRelay();
    const caps = await driver.waitFor((m) => m.code === 100, 5000);
    expect(caps.raw).toBe('100 Capabilities\nVersion: 1.0\nPipeline: true\nSend-Config: true\nSend-URI-Encoded: true\n\n');
    driver.closeInput();
    driver.signal('SIGINT');
    expect(await driver.exited).toEqual({ code: 0, signal: null });
    expect(driver.stderr()).toBe('');
    expect(driver.messages).toHaveLength(1);
  });

  it('pipelines 20 items, answers them out of order, gates packages and passes index files through', async () => {
    const dir = await partialDir();
    const delays = Object.fromEntries(Array.from({ length: 18 }, (_, k) => [debName(k + 1), (18 - k) * 40]));
    const driver = startRelay({ RELAY_TEST_DELAYS: JSON.stringify(delays) });
    await driver.waitFor((m) => m.code === 100);
    configure(driver);
    const requests: { path: string; filename: string; deb: boolean }[] = [
      { path: '/dists/stable/InRelease', filename: join(dir, 'InRelease'), deb: false },
      ...Array.from({ length: 18 }, (_, k) => ({ path: `/pool/${debName(k + 1)}`, filename: join(dir, debName(k + 1)), deb: true })),
      { path: '/dists/stable/main/binary-all/Packages', filename: join(dir, 'Packages'), deb: false },
    ];
    driver.send(
      requests
        .map((r) =>
          acquireText(uri(r.path), r.filename, [
            ['Expected-SHA256', sha256(files.get(r.path)!)],
            ['Expected-MD5Sum', createHash('md5').update(files.get(r.path)!).digest('hex')],
            ['Expected-Checksum-FileSize', String(files.get(r.path)!.length)],
            ['Target-Type', r.deb ? 'deb' : 'index'],
          ]),
        )
        .join(''),
    );
    await eventually(() => driver.messages.filter(isFinal).length === 20, 20_000, '20 replies');
    const finals = driver.messages.filter(isFinal);
    expect(finals.every((m) => m.code === 201)).toBe(true);
    expect(new Set(finals.map((m) => getField(m, 'URI')))).toEqual(new Set(requests.map((r) => uri(r.path))));

    const debOrder = finals.map((m) => getField(m, 'URI')).filter((u) => u?.endsWith('.deb'));
    const requestedDebs = requests.filter((r) => r.deb).map((r) => uri(r.path));
    expect(debOrder).not.toEqual(requestedDebs);
    expect(debOrder[0]).toBe(requestedDebs[17]);

    for (const r of requests) {
      const done = finals.find((m) => getField(m, 'URI') === uri(r.path))!;
      const body = files.get(r.path)!;
      expect(await readFile(r.filename)).toEqual(body);
      expect(getField(done, 'SHA256-Hash')).toBe(sha256(body));
      expect(getField(done, 'Filename')).toBe(r.filename);
      // The stock method reports SHA1 and the legacy MD5-Hash; the gate's 201 does not.
      expect(getField(done, 'MD5-Hash') !== undefined).toBe(!r.deb);
      expect(getField(done, 'Checksum-FileSize-Hash')).toBe(String(body.length));
    }

    const seen = await events(driver);
    const firstGate = seen.findIndex((e) => e.event === 'gate');
    expect(seen.slice(0, firstGate).filter((e) => e.event === 'acquire')).toHaveLength(18);
    expect(seen.filter((e) => e.event === 'gate')).toHaveLength(18);

    driver.closeInput();
    driver.signal('SIGINT');
    expect((await driver.exited).code).toBe(0);
    expect(driver.stderr()).toBe('');
  }, 30_000);

  it('deletes a refused package and answers 400; a gate that throws refuses too', async () => {
    const dir = await partialDir();
    const driver = startRelay({ RELAY_TEST_REFUSE: '^evil_', RELAY_TEST_THROW: '^boom_' });
    configure(driver);
    for (const name of ['evil_6.6_all.deb', 'boom_1.0_all.deb', 'hello_1.0_all.deb']) {
      driver.send(acquireText(uri(`/pool/${name}`), join(dir, name), [['Target-Type', 'deb']]));
    }
    await eventually(() => driver.messages.filter(isFinal).length === 3, 10_000, 'three replies');
    const byName = (name: string) => driver.messages.filter(isFinal).find((m) => getField(m, 'URI')?.endsWith(name))!;

    const evil = byName('evil_6.6_all.deb');
    expect(evil.code).toBe(400);
    expect(getField(evil, 'Message')).toBe(`test gate: refused evil_6.6_all.deb (sha256 ${sha256(files.get('/pool/evil_6.6_all.deb')!)})`);
    expect(getField(evil, 'FailReason')).toBe('ReprogateRefused');
    expect(getField(evil, 'Transient-Failure')).toBeUndefined();
    expect(existsSync(join(dir, 'evil_6.6_all.deb'))).toBe(false);

    const boom = byName('boom_1.0_all.deb');
    expect([boom.code, getField(boom, 'FailReason')]).toEqual([400, 'ReprogateGateError']);
    expect(existsSync(join(dir, 'boom_1.0_all.deb'))).toBe(false);
    expect(driver.stderr()).toContain('test gate exploded on boom_1.0_all.deb');

    expect(byName('hello_1.0_all.deb').code).toBe(201);
    expect(existsSync(join(dir, 'hello_1.0_all.deb'))).toBe(true);
  });

  it('relays the stock method redirect, which stays in our scheme', async () => {
    const dir = await partialDir();
    const driver = startRelay();
    configure(driver);
    driver.send(acquireText(uri('/pool/moved_1.0_all.deb'), join(dir, 'moved_1.0_all.deb'), [['Target-Type', 'deb']]));
    const redirect = await driver.waitFor(isFinal);
    expect(redirect.code).toBe(103);
    expect(getField(redirect, 'New-URI')).toBe(uri('/pool/hello_1.0_all.deb'));
  });

  it('refuses a redirect that leaves the scheme (from a misbehaving method)', async () => {
    const dir = await partialDir();
    const driver = startRelay({}, fakeRelayPath);
    configure(driver, [], fakeMethods);
    driver.send(acquireText(uri('/pool/hello_1.0_all.deb'), join(dir, 'hello_1.0_all.deb'), [['Target-Type', 'deb']]));
    const reply = await driver.waitFor(isFinal);
    expect(reply.code).toBe(400);
    expect(getField(reply, 'FailReason')).toBe('ReprogateRedirectRefused');
    expect(getField(reply, 'Message')).toContain(`to http://${server.base}/pool/hello_1.0_all.deb`);
    expect(driver.messages.some((m) => m.code === 103)).toBe(false);
  });

  it('fails outstanding items as transient and exits 100 when the http method is killed mid-transfer', async () => {
    const dir = await partialDir();
    const driver = startRelay();
    configure(driver);
    driver.send(acquireText(uri('/pool/slow_1.0_all.deb'), join(dir, 'slow.deb'), [['Target-Type', 'deb']]));
    driver.send(acquireText(uri('/pool/hello_1.0_all.deb'), join(dir, 'hello.deb'), [['Target-Type', 'deb']]));
    await driver.waitFor((m) => m.code === 200 && getField(m, 'URI') === uri('/pool/slow_1.0_all.deb'));
    const [child] = await driver.children();
    expect(child).toBeGreaterThan(0);
    process.kill(child!, 'SIGKILL');

    expect((await driver.exited).code).toBe(100);
    const failures = driver.messages.filter((m) => m.code === 400);
    expect(failures.map((m) => [getField(m, 'URI'), getField(m, 'Transient-Failure')]).sort()).toEqual([
      [uri('/pool/hello_1.0_all.deb'), 'true'],
      [uri('/pool/slow_1.0_all.deb'), 'true'],
    ]);
    expect(await isRunning(child!)).toBe(false);
    expect(driver.stderr()).not.toMatch(/\n\s+at /);
  });

  it('on SIGINT kills the http method, deletes the package being gated and exits without a trace', async () => {
    const dir = await partialDir();
    const driver = startRelay({ RELAY_TEST_DELAYS: JSON.stringify({ 'hello_1.0_all.deb': 60_000 }) });
    configure(driver);
    driver.send(acquireText(uri('/pool/hello_1.0_all.deb'), join(dir, 'hello_1.0_all.deb'), [['Target-Type', 'deb']]));
    driver.send(acquireText(uri('/pool/slow_1.0_all.deb'), join(dir, 'slow_1.0_all.deb'), [['Target-Type', 'deb']]));
    await driver.waitFor((m) => m.code === 200 && getField(m, 'URI') === uri('/pool/slow_1.0_all.deb'));
    await eventually(async () => (await events(driver)).some((e) => e.event === 'gate'), 5000, 'gate call');
    expect(existsSync(join(dir, 'hello_1.0_all.deb'))).toBe(true);
    const [child] = await driver.children();

    driver.signal('SIGINT');
    const exit = await driver.exited;
    expect(exit).toEqual({ code: 100, signal: null });
    expect(existsSync(join(dir, 'hello_1.0_all.deb'))).toBe(false);
    expect(await isRunning(child!)).toBe(false);
    expect(driver.messages.filter(isFinal)).toEqual([]);
    expect(driver.stderr()).toBe('');
  });

  it('survives apt closing its stdout (EPIPE) without a stack trace', async () => {
    const dir = await partialDir();
    const driver = startRelay();
    await driver.waitFor((m) => m.code === 100);
    driver.closeOutput();
    configure(driver);
    driver.send(acquireText(uri('/pool/hello_1.0_all.deb'), join(dir, 'hello_1.0_all.deb'), [['Target-Type', 'deb']]));
    const exit = await driver.exited;
    expect(exit.signal).toBeNull();
    expect(typeof exit.code).toBe('number');
    expect(driver.stderr()).toBe('');
  });

  it('writes diagnostics to stderr under Debug::Reprogate', async () => {
    const dir = await partialDir();
    const driver = startRelay();
    configure(driver, [['Debug::Reprogate', 'true']]);
    driver.send(acquireText(uri('/pool/hello_1.0_all.deb'), join(dir, 'hello_1.0_all.deb'), [['Target-Type', 'deb']]));
    await driver.waitFor((m) => m.code === 201);
    expect(driver.stderr()).toContain(`reprogate (reprogate+http): starting ${methods}/http as reprogate+http`);
    expect(driver.stderr()).toContain(`${uri('/pool/hello_1.0_all.deb')}: accepted`);
  });
});

it('refuses to run under a name that is not a scheme', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reprogate-relay-name-'));
  try {
    await bundleExecutable('test/support/apt-relay-entry.ts', join(dir, 'apt-method.mjs'));
    await symlink(join(dir, 'apt-method.mjs'), join(dir, 'apt-method'));
    const driver = MethodDriver.start(join(dir, 'apt-method'));
    drivers.push(driver);
    expect((await driver.exited).code).toBe(100);
    expect(driver.stderr()).toMatch(/^reprogate: cannot tell the apt scheme from the name "apt-method"/);
    expect(driver.messages).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
