/**
 * An in-memory RelayIo for driving the relay in-process: apt's side is a pair of
 * streams, the http method is a scripted fake child, files and signals are
 * recorded. For the relay against the real http method see apt-method-driver.ts.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { AptField, MethodChild, ParsedAptMessage, RelayIo } from '../../src/apt/index.js';
import { AptMessageParser, aptMessage, formatAptMessage, formatConfigItem } from '../../src/apt/index.js';

export class FakeMethodChild extends EventEmitter implements MethodChild {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly signals: NodeJS.Signals[] = [];
  /** What the relay wrote to the child, as messages. */
  readonly received: ParsedAptMessage[] = [];
  /** Whether the fake dies when signalled (a stuck child does not). */
  diesOnSignal = true;
  private gone = false;

  constructor() {
    super();
    const parser = new AptMessageParser();
    this.stdin.on('data', (chunk: Buffer) => this.received.push(...parser.push(chunk)));
    this.stdin.on('finish', () => this.exit(100, null));
  }

  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (this.diesOnSignal || signal === 'SIGKILL') this.exit(null, signal);
    return true;
  }

  /** Writes protocol text (or raw bytes) to the relay as the child's stdout. */
  reply(text: string | Uint8Array): void {
    this.stdout.write(text);
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.gone) return;
    this.gone = true;
    this.stdout.end();
    setImmediate(() => this.emit('close', code, signal));
  }
}

export interface FakeRelayIo extends RelayIo {
  readonly input: PassThrough;
  readonly output: PassThrough;
  readonly errors: PassThrough;
  readonly spawned: { path: string; argv0: string; child: FakeMethodChild }[];
  readonly removed: string[];
  /** Messages the relay wrote to apt, in order. */
  readonly toApt: ParsedAptMessage[];
  stderr(): string;
  interrupt(): void;
  /** Makes the next spawn throw, or the next child fail to start (ENOENT-like). */
  spawnFailure: 'throw' | 'error' | undefined;
}

export function fakeRelayIo(): FakeRelayIo {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  const toApt: ParsedAptMessage[] = [];
  const parser = new AptMessageParser();
  output.on('data', (chunk: Buffer) => toApt.push(...parser.push(chunk)));
  let stderrText = '';
  errors.on('data', (chunk: Buffer) => (stderrText += chunk.toString('utf8')));
  let listener: (() => void) | undefined;
  const io: FakeRelayIo = {
    input,
    output,
    errors,
    spawned: [],
    removed: [],
    toApt,
    spawnFailure: undefined,
    stderr: () => stderrText,
    interrupt: () => listener?.(),
    spawnMethod(path, argv0) {
      if (io.spawnFailure === 'throw') throw new Error('spawn EINVAL');
      const child = new FakeMethodChild();
      if (io.spawnFailure === 'error') {
        setImmediate(() => {
          child.emit('error', new Error(`spawn ${path} ENOENT`));
          child.exit(-2, null);
        });
      }
      io.spawned.push({ path, argv0, child });
      return child;
    },
    removeFile(path) {
      io.removed.push(path);
      return Promise.resolve();
    },
    onInterrupt(l) {
      listener = l;
    },
  };
  return io;
}

/** A 601 as apt writes it, from plain key/value pairs. */
export function configurationText(items: readonly (readonly [string, string])[]): string {
  return formatAptMessage(aptMessage(601, items.map(([k, v]) => ['Config-Item', formatConfigItem(k, v)] as AptField)));
}

/** A 600 for a package or an index, as apt writes it. */
export function acquireText(uri: string, filename: string, extra: readonly AptField[] = []): string {
  return formatAptMessage(aptMessage(600, [['URI', uri], ['Filename', filename], ...extra]));
}
