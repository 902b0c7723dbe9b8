/**
 * Test entry point for the relay: what bin/ will do for real, with a stand-in gate.
 * Bundled by the tests and run the way apt runs a method (an executable named
 * reprogate+http(s) in a methods directory), against apt's real http method.
 *
 * The stand-in gate hashes the file like the real one must, and decides by the
 * file's name, from the environment:
 * - RELAY_TEST_REFUSE: a regular expression; matching names are refused;
 * - RELAY_TEST_THROW: a regular expression; the gate throws for matching names;
 * - RELAY_TEST_DELAYS: JSON object, file name -> milliseconds before deciding;
 * - RELAY_TEST_EVENTS: a file that gets one JSON line per onAcquire and gate call.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { GateResult, RelayGate } from '../../src/apt/index.js';
import { methodScheme, nodeRelayIo, RELAY_FAILURE_EXIT, runRelay } from '../../src/apt/index.js';

const env = process.env;
const refuse = env.RELAY_TEST_REFUSE ? new RegExp(env.RELAY_TEST_REFUSE) : undefined;
const explode = env.RELAY_TEST_THROW ? new RegExp(env.RELAY_TEST_THROW) : undefined;
const delays = JSON.parse(env.RELAY_TEST_DELAYS ?? '{}') as Record<string, number>;

function record(event: string, uri: string): void {
  if (env.RELAY_TEST_EVENTS) appendFileSync(env.RELAY_TEST_EVENTS, `${JSON.stringify({ event, uri, at: Date.now() })}\n`);
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function hashFile(path: string): Promise<{ sha256: string; sha512: string; md5: string; size: number }> {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    sha512.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  return { sha256: sha256.digest('hex'), sha512: sha512.digest('hex'), md5: md5.digest('hex'), size };
}

const gate: RelayGate = {
  onAcquire: (item) => record('acquire', item.uri),
  async gate(item, filename, signal): Promise<GateResult> {
    record('gate', item.uri);
    const name = basename(filename);
    await wait(delays[name] ?? 0, signal);
    if (explode?.test(name)) throw new Error(`test gate exploded on ${name}`);
    const hashes = await hashFile(filename);
    if (refuse?.test(name)) {
      return { accept: false, message: `test gate: refused ${name} (sha256 ${hashes.sha256})`, failReason: 'ReprogateRefused' };
    }
    return { accept: true, hashes };
  },
};

try {
  const scheme = methodScheme(process.argv[1] ?? '');
  const code = await runRelay({ scheme, createGate: () => gate, io: nodeRelayIo(process), killGraceMs: 1000 });
  process.exit(code);
} catch (e) {
  process.stderr.write(`reprogate: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(RELAY_FAILURE_EXIT);
}
