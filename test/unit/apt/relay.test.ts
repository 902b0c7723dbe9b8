/**
 * The relay driven in-process, with a scripted child in place of apt's http method,
 * for the paths a real method rarely takes (malformed output, failed starts, stuck
 * children, closed pipes). relay-real-http.test.ts drives it against the real one.
 */
import { describe, expect, it } from 'vitest';
import type { AcquireItem, GateResult, RelayGate, RelayOptions } from '../../../src/apt/index.js';
import { getField, runRelay } from '../../../src/apt/index.js';
import type { FakeRelayIo } from '../../support/apt-fake-relay-io.js';
import { acquireText, configurationText, fakeRelayIo } from '../../support/apt-fake-relay-io.js';
import { eventually } from '../../support/apt-wait.js';

const SCHEME = 'reprogate+http';
const BASE = 'reprogate+http://127.0.0.1:18092';
const DEB = `${BASE}/pool/main/a_1.0_all.deb`;
const DEB2 = `${BASE}/pool/main/b_1.0_all.deb`;
const INDEX = `${BASE}/dists/stable/InRelease`;
const HASHES = { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), md5: 'c'.repeat(32), size: 3 };

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A gate whose decisions the test releases one by one. */
function scriptedGate() {
  const acquired: string[] = [];
  const calls: { item: AcquireItem; filename: string; signal: AbortSignal; decision: Deferred<GateResult> }[] = [];
  const gate: RelayGate = {
    onAcquire: (item) => acquired.push(item.uri),
    gate: (item, filename, signal) => {
      const decision = deferred<GateResult>();
      calls.push({ item, filename, signal, decision });
      return decision.promise;
    },
  };
  return { gate, acquired, calls };
}

function start(io: FakeRelayIo, createGate: RelayOptions['createGate'], extra: Partial<RelayOptions> = {}) {
  const exit = runRelay({ scheme: SCHEME, createGate, io, killGraceMs: 50, ...extra });
  let code: number | undefined;
  void exit.then((c) => (code = c));
  return { exit, exitCode: () => code };
}

const codes = (io: FakeRelayIo) => io.toApt.map((m) => m.code);
const doneText = (uri: string, filename: string, extra = '') =>
  `201 URI Done\nSHA256-Hash: ${'9'.repeat(64)}\nSHA1-Hash: ${'8'.repeat(40)}\nSize: 3\nFilename: ${filename}\nURI: ${uri}\n${extra}\n`;

async function configured(io: FakeRelayIo, items: [string, string][] = [['Dir::Bin::Methods', '/lab/methods/']]) {
  io.input.write(configurationText(items));
  const { child } = await eventually(() => io.spawned[0], 2000, 'spawn');
  child.reply('100 Capabilities\nVersion: 1.2\nPipeline: true\nSend-Config: true\nSend-URI-Encoded: true\n\n');
  return child;
}

/** A package and an index file fetched: the package refused, the index file relayed. */
async function expectPackageRefusedIndexRelayed(io: FakeRelayIo, child: Awaited<ReturnType<typeof configured>>): Promise<void> {
  io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]) + acquireText(INDEX, '/l/InRelease', [['Target-Type', 'index']]));
  child.reply(doneText(DEB, '/p/a.deb') + doneText(INDEX, '/l/InRelease'));
  await eventually(() => io.toApt.length === 3, 1000, 'two replies');
  expect(io.toApt.slice(1).map((m) => [m.code, getField(m, 'URI')]).sort()).toEqual([
    [201, INDEX],
    [400, DEB],
  ]);
}

describe('relay start and probe', () => {
  it('answers the capability probe at once and exits 0 on EOF without starting the child', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    await eventually(() => io.toApt.length === 1, 1000, '100');
    expect(io.toApt[0]?.raw).toBe('100 Capabilities\nVersion: 1.0\nPipeline: true\nSend-Config: true\nSend-URI-Encoded: true\n\n');
    io.input.end();
    expect(await exit).toBe(0);
    expect(io.spawned).toEqual([]);
    expect(io.stderr()).toBe('');
  });

  it('exits 0 on SIGINT when idle', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    io.interrupt();
    expect(await exit).toBe(0);
  });

  it('starts the http method from Dir::Bin::Methods under our scheme, forwards 601, hides its 100', async () => {
    const io = fakeRelayIo();
    start(io, () => scriptedGate().gate);
    const child = await configured(io);
    expect(io.spawned.map(({ path, argv0 }) => [path, argv0])).toEqual([['/lab/methods/http', SCHEME]]);
    await eventually(() => child.received.length === 1, 1000, '601 forwarded');
    expect(child.received[0]?.raw).toBe(configurationText([['Dir::Bin::Methods', '/lab/methods/']]));
    child.reply(`102 Status\nURI: ${DEB}\nMessage: Connecting\n\n`);
    await eventually(() => io.toApt.length === 2, 1000, '102');
    expect(codes(io)).toEqual([100, 102]);
  });

  it('uses /usr/lib/apt/methods/http when the configuration names no methods directory', async () => {
    const io = fakeRelayIo();
    start(io, () => scriptedGate().gate);
    await configured(io, [['APT::Architecture', 'amd64']]);
    expect(io.spawned[0]?.path).toBe('/usr/lib/apt/methods/http');
  });
});

describe('relay gating', () => {
  it('forwards 600s verbatim, calls onAcquire for packages only, and passes index files through', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate);
    const child = await configured(io);
    const index600 = acquireText(INDEX, '/lists/partial/InRelease', [['Target-Type', 'index'], ['Index-File', 'true']]);
    const deb600 = acquireText(DEB, '/archives/partial/a.deb', [['Target-Type', 'deb'], ['Expected-SHA256', 'f'.repeat(64)]]);
    io.input.write(index600 + deb600);
    await eventually(() => child.received.length === 3, 1000, '600s');
    expect(child.received.slice(1).map((m) => m.raw)).toEqual([index600, deb600]);
    await eventually(() => g.acquired.length === 1, 1000, 'onAcquire');
    expect(g.acquired).toEqual([DEB]);

    const indexDone = doneText(INDEX, '/lists/partial/InRelease', 'IMS-Hit: true\n');
    child.reply(indexDone);
    await eventually(() => io.toApt.length === 2, 1000, 'index 201');
    expect(io.toApt[1]?.raw).toBe(indexDone);
    expect(g.calls).toEqual([]);
  });

  it('reports an accepted package with the gate hashes and a warning first', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/archives/partial/a.deb', [['Target-Type', 'deb'], ['Expected-SHA256', 'f'.repeat(64)]]));
    child.reply(doneText(DEB, '/archives/partial/a.deb'));
    const call = await eventually(() => g.calls[0], 1000, 'gate call');
    expect(call.filename).toBe('/archives/partial/a.deb');
    expect(call.item.expected.sha256).toBe('f'.repeat(64));
    expect(codes(io)).toEqual([100]);
    call.decision.resolve({ accept: true, hashes: HASHES, warning: 'exempt: kernel' });
    await eventually(() => io.toApt.length === 3, 1000, 'replies');
    expect(codes(io)).toEqual([100, 104, 201]);
    const done = io.toApt[2]!;
    expect(getField(done, 'SHA256-Hash')).toBe(HASHES.sha256);
    expect(getField(done, 'SHA1-Hash')).toBeUndefined();
    expect(io.removed).toEqual([]);
  });

  it('answers pipelined packages in the order the gate decides', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]) + acquireText(DEB2, '/p/b.deb', [['Target-Type', 'deb']]));
    child.reply(doneText(DEB, '/p/a.deb') + doneText(DEB2, '/p/b.deb'));
    await eventually(() => g.calls.length === 2, 1000, 'two gate calls');
    g.calls[1]!.decision.resolve({ accept: true, hashes: HASHES });
    await eventually(() => io.toApt.length === 2, 1000, 'first reply');
    g.calls[0]!.decision.resolve({ accept: false, message: 'no', failReason: 'ReprogateRefused' });
    await eventually(() => io.toApt.length === 3, 1000, 'second reply');
    expect(io.toApt.slice(1).map((m) => [m.code, getField(m, 'URI')])).toEqual([
      [201, DEB2],
      [400, DEB],
    ]);
    expect(io.removed).toEqual(['/p/a.deb']);
  });

  it('deletes a refused package before telling apt', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]));
    child.reply(doneText(DEB, '/p/a.deb'));
    const call = await eventually(() => g.calls[0], 1000, 'gate call');
    let removedBeforeReply: boolean | undefined;
    io.removeFile = (path) => {
      io.removed.push(path);
      removedBeforeReply = io.toApt.length === 1;
      return Promise.resolve();
    };
    call.decision.resolve({ accept: false, message: 'reprogate: refused a 1.0', failReason: 'ReprogateRefused' });
    await eventually(() => io.toApt.length === 2, 1000, '400');
    expect(removedBeforeReply).toBe(true);
    expect(io.toApt[1]?.raw).toBe(`400 URI Failure\nURI: ${DEB}\nMessage: reprogate: refused a 1.0\nFailReason: ReprogateRefused\n\n`);
  });

  it('refuses, fails closed, when the gate throws, and says so on stderr', async () => {
    const io = fakeRelayIo();
    start(io, () => ({ onAcquire: () => undefined, gate: () => Promise.reject(new Error('db exploded')) }));
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]));
    child.reply(doneText(DEB, '/p/a.deb'));
    await eventually(() => io.toApt.length === 2, 1000, '400');
    expect(io.toApt[1]?.code).toBe(400);
    expect(getField(io.toApt[1]!, 'FailReason')).toBe('ReprogateGateError');
    expect(io.removed).toEqual(['/p/a.deb']);
    expect(io.stderr()).toMatch(/^reprogate \(reprogate\+http\): verifying .* failed: db exploded\n$/);
  });

  it('refuses packages, and still relays index files, when the gate cannot be built', async () => {
    const io = fakeRelayIo();
    start(io, () => Promise.reject(new Error('policy unreadable')));
    const child = await configured(io);
    await expectPackageRefusedIndexRelayed(io, child);
    expect(io.stderr()).toContain('cannot start verification, refusing every package: policy unreadable');
  });

  it('builds the gate only when a package is asked for, once; onConfigured runs on the 601 after the child starts', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    const events: string[] = [];
    start(io, () => (events.push('gate built'), g.gate), { onConfigured: () => events.push(`configured, ${io.spawned.length} child`) });
    const child = await configured(io);
    io.input.write(acquireText(INDEX, '/l/InRelease', [['Target-Type', 'index']]));
    child.reply(doneText(INDEX, '/l/InRelease'));
    await eventually(() => io.toApt.length === 2, 1000, 'index relayed');
    expect(events).toEqual(['configured, 1 child']);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]) + acquireText(DEB2, '/p/b.deb', [['Target-Type', 'deb']]));
    await eventually(() => g.acquired.length === 2, 1000, 'onAcquire');
    expect(events).toEqual(['configured, 1 child', 'gate built']);
  });

  it('refuses packages, and still relays index files, when onConfigured throws', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate, {
      onConfigured: () => {
        throw new Error('cannot drop to _apt');
      },
    });
    const child = await configured(io);
    await expectPackageRefusedIndexRelayed(io, child);
    expect(g.calls).toEqual([]);
    expect(io.removed).toEqual(['/p/a.deb']);
    expect(io.stderr()).toContain('cannot start verification, refusing every package: cannot drop to _apt');
  });

  it('refuses a package whose 201 names no file, deleting the requested one', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]));
    child.reply(`201 URI Done\nURI: ${DEB}\n\n`);
    await eventually(() => io.toApt.length === 2, 1000, '400');
    expect(getField(io.toApt[1]!, 'FailReason')).toBe('ReprogateGateError');
    expect(io.removed).toEqual(['/p/a.deb']);
    expect(g.calls).toEqual([]);
  });

  it('refuses a redirect leaving the scheme and relays one that stays', async () => {
    const io = fakeRelayIo();
    start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb') + acquireText(DEB2, '/p/b.deb'));
    const stays = `103 Redirect\nURI: ${DEB2}\nNew-URI: reprogate+https://mirror/b.deb\n\n`;
    child.reply(`103 Redirect\nURI: ${DEB}\nNew-URI: http://mirror/a.deb\n\n${stays}`);
    await eventually(() => io.toApt.length === 3, 1000, 'replies');
    expect(io.toApt[1]?.code).toBe(400);
    expect(getField(io.toApt[1]!, 'FailReason')).toBe('ReprogateRedirectRefused');
    expect(io.toApt[2]?.raw).toBe(stays);
  });

  it('matches replies by exact URI, first request first when apt repeats one, and drops unknown URIs', async () => {
    const io = fakeRelayIo();
    start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write(acquireText(INDEX, '/l/1') + acquireText(INDEX, '/l/2'));
    child.reply(`400 URI Failure\nURI: ${INDEX.toUpperCase()}\nMessage: x\n\n`);
    child.reply(`400 URI Failure\nURI: ${INDEX}\nMessage: first\n\n400 URI Failure\nURI: ${INDEX}\nMessage: second\n\n`);
    child.reply(`400 URI Failure\nURI: ${INDEX}\nMessage: third\n\n`);
    await eventually(() => io.toApt.length === 3, 1000, 'replies');
    await new Promise((r) => setTimeout(r, 20));
    expect(io.toApt.slice(1).map((m) => getField(m, 'Message'))).toEqual(['first', 'second']);
  });

  it('answers a 600 it cannot read with a 400 for that URI', async () => {
    const io = fakeRelayIo();
    start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write(`600 URI Acquire\nURI: ${DEB}\n\n`);
    await eventually(() => io.toApt.length === 2, 1000, '400');
    expect(getField(io.toApt[1]!, 'FailReason')).toBe('ReprogateBadRequest');
    expect(child.received).toHaveLength(1);
  });
});

describe('relay when things break', () => {
  it('fails every outstanding item as transient when the child dies, finishes gating, exits 100', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    const { exit, exitCode } = start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]) + acquireText(DEB2, '/p/b.deb') + acquireText(INDEX, '/l/i'));
    child.reply(doneText(DEB, '/p/a.deb'));
    const call = await eventually(() => g.calls[0], 1000, 'gate call');
    child.exit(null, 'SIGKILL');
    await eventually(() => io.toApt.length === 3, 1000, 'transient failures');
    expect(io.toApt.slice(1).map((m) => [getField(m, 'URI'), getField(m, 'Transient-Failure')])).toEqual([
      [DEB2, 'true'],
      [INDEX, 'true'],
    ]);
    expect(exitCode()).toBeUndefined();
    call.decision.resolve({ accept: true, hashes: HASHES });
    expect(await exit).toBe(100);
    expect(codes(io)).toEqual([100, 400, 400, 201]);
  });

  it('answers later requests with a transient failure after the child died', async () => {
    const io = fakeRelayIo();
    io.spawnFailure = 'error';
    const { exit } = start(io, () => scriptedGate().gate);
    io.input.write(configurationText([]));
    io.input.write(acquireText(DEB, '/p/a.deb'));
    expect(await exit).toBe(100);
    expect(codes(io)).toEqual([100, 400]);
    expect(getField(io.toApt[1]!, 'Message')).toBe(
      "reprogate: apt's http method /usr/lib/apt/methods/http could not be started (spawn /usr/lib/apt/methods/http ENOENT)",
    );
    expect(io.stderr()).toContain('could not be started');
  });

  it('survives a spawn that throws', async () => {
    const io = fakeRelayIo();
    io.spawnFailure = 'throw';
    const { exit } = start(io, () => scriptedGate().gate);
    io.input.write(configurationText([]));
    expect(await exit).toBe(100);
  });

  it('kills a child whose output loses its framing and fails its items', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write(acquireText(INDEX, '/l/i'));
    child.reply('201 URI Done\nthis is not a field\n\n');
    expect(await exit).toBe(100);
    expect(child.signals).toEqual(['SIGINT']);
    expect(codes(io)).toEqual([100, 400]);
    expect(io.stderr()).toContain("apt's http method sent a malformed message: APT_FIELD");
  });

  it('answers malformed input from apt with 401 and exits 100', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write('600 URI Acquire\nURI: x\nFilename\n\n');
    expect(await exit).toBe(100);
    expect(codes(io)).toEqual([100, 401]);
    expect(child.signals).toEqual(['SIGINT']);
  });

  it('refuses a 600 before the 601', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    io.input.write(acquireText(DEB, '/p/a.deb'));
    expect(await exit).toBe(100);
    expect(codes(io)).toEqual([100, 401]);
    expect(io.spawned).toEqual([]);
  });

  it('on SIGINT aborts gating, deletes the file being gated, kills the child and sends nothing more', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    const { exit } = start(io, () => g.gate);
    const child = await configured(io);
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]) + acquireText(DEB2, '/p/b.deb', [['Target-Type', 'deb']]));
    child.reply(doneText(DEB, '/p/a.deb'));
    const call = await eventually(() => g.calls[0], 1000, 'gate call');
    io.interrupt();
    expect(call.signal.aborted).toBe(true);
    call.decision.resolve({ accept: true, hashes: HASHES });
    expect(await exit).toBe(100);
    expect(child.signals).toEqual(['SIGINT']);
    expect(io.removed).toEqual(['/p/a.deb']);
    expect(codes(io)).toEqual([100]);
  });

  it('deletes a package the child completes during shutdown', async () => {
    const io = fakeRelayIo();
    const g = scriptedGate();
    const { exit } = start(io, () => g.gate);
    const child = await configured(io);
    child.diesOnSignal = false;
    io.input.write(acquireText(DEB, '/p/a.deb', [['Target-Type', 'deb']]));
    await eventually(() => child.received.length === 2, 1000, '600');
    io.interrupt();
    child.reply(doneText(DEB, '/p/a.deb'));
    expect(await exit).toBe(100);
    expect(child.signals).toEqual(['SIGINT', 'SIGKILL']);
    expect(io.removed).toEqual(['/p/a.deb']);
    expect(g.calls).toEqual([]);
  });

  it('stops quietly when apt closes our stdout', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.write(acquireText(INDEX, '/l/i'));
    await eventually(() => child.received.length === 2, 1000, '600');
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    io.output.write = () => {
      setImmediate(() => io.output.emit('error', epipe));
      return false;
    };
    child.reply(`102 Status\nURI: ${INDEX}\nMessage: m\n\n`);
    expect(await exit).toBe(100);
    expect(child.signals).toEqual(['SIGINT']);
    expect(io.stderr()).toBe('');
  });

  it('exits 0 when apt closes stdin and the child then exits with nothing outstanding', async () => {
    const io = fakeRelayIo();
    const { exit } = start(io, () => scriptedGate().gate);
    const child = await configured(io);
    io.input.end();
    expect(await exit).toBe(0);
    expect(child.signals).toEqual([]);
  });

  it('writes details to stderr only under Debug::Reprogate', async () => {
    const quiet = fakeRelayIo();
    start(quiet, () => scriptedGate().gate);
    const child = await configured(quiet);
    quiet.input.write(acquireText(DEB, '/p/a.deb') + `600 URI Acquire\nURI: x\nFilename: y\n\n`);
    child.reply(`201 URI Done\nURI: unknown\nFilename: /z\n\n`);
    await new Promise((r) => setTimeout(r, 30));
    expect(quiet.stderr()).toBe('');

    const loud = fakeRelayIo();
    start(loud, () => scriptedGate().gate);
    await configured(loud, [['Debug::Reprogate', 'true']]);
    await eventually(() => loud.stderr().includes('starting /usr/lib/apt/methods/http as reprogate+http'), 1000, 'debug line');
  });
});
