/**
 * The relay run as /usr/lib/apt/methods/reprogate+http(s): apt <-> us <-> apt's own
 * http method, which does the transfer (proxy, TLS, auth.conf, resume, redirects)
 * exactly as apt would, while we gate every package it delivers.
 *
 * - `100 Capabilities` (capabilities.ts) is written at once, before anything is read
 *   (or, in the installed method, by its launcher before this code is even loaded):
 *   apt blocks on it, and its capability probe closes the pipes and sends SIGINT
 *   without a 601.
 * - The child is started on the 601 (it names the methods directory), with argv0 set
 *   to our scheme so that it speaks our scheme in redirects (§0.3, §7.1); then
 *   `onConfigured` runs (the method drops root there). The gate is built when the
 *   first package is asked for, so a run that fetches only index files (`apt-get
 *   update`) never loads the verification code or the policy. 601 and 600
 *   are forwarded verbatim; every reply is relayed verbatim except the child's own
 *   100 (apt has ours), a 103 leaving our scheme (refused), and the 201 of a package,
 *   which waits for the gate and is then rebuilt or turned into a refusal.
 * - Replies are matched to requests by the exact URI string, as apt matches them, so
 *   pipelined requests may finish in any order.
 * - stdout carries protocol only. stderr carries real errors, and details only under
 *   `Debug::Reprogate`.
 * - Exit status: 0 when apt closes stdin (or interrupts) with nothing in flight; 100
 *   when the child died with work outstanding, apt sent something unreadable, or
 *   work was abandoned on SIGINT or a closed stdout.
 *
 * Does not verify anything itself: the RelayGate passed in decides. Everything that
 * touches the system (pipes, the child, files, signals) comes in through RelayIo;
 * nodeRelayIo builds the real one from a process object.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { unlink } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { hasCode } from '../errors.js';
import type { GateOutcome, RelayGate } from './gating.js';
import { childAcquireRequest, filesOf, gateErrorOutcome, gateOutcome, RELAY_FAIL_REASON, redirectRefusal } from './gating.js';
import type { AcquireItem } from './protocol/acquire.js';
import { isPackageItem, readAcquire } from './protocol/acquire.js';
import { AptConfig } from './protocol/config.js';
import { formatAptMessage } from './protocol/format.js';
import type { FramingLimits } from './protocol/framing.js';
import { AptMessageParser } from './protocol/framing.js';
import type { AptMessage, ParsedAptMessage } from './protocol/message.js';
import { getField } from './protocol/message.js';
import { generalFailureMessage, uriFailureMessage } from './protocol/replies.js';
import { relayCapabilitiesText } from './capabilities.js';

/** apt's http method as seen by the relay: a child process with piped stdin/stdout. */
export interface MethodChild {
  readonly stdin: Writable;
  readonly stdout: Readable;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface RelayIo {
  /** From apt (the method's stdin). */
  readonly input: Readable;
  /** To apt (the method's stdout): protocol only. */
  readonly output: Writable;
  /** The user's terminal, through apt. */
  readonly errors: Writable;
  /** Starts `path` with `argv[0]` = `argv0`; its stderr goes to ours. */
  spawnMethod(path: string, argv0: string): MethodChild;
  /** Deletes a file; a file that is already gone counts as deleted. */
  removeFile(path: string): Promise<void>;
  /** Calls `listener` on SIGINT and SIGTERM, from now until the process exits. */
  onInterrupt(listener: () => void): void;
}

export interface RelayLog {
  /** Detail, written only under Debug::Reprogate. */
  debug(line: string): void;
  /** A real problem; always written. */
  error(line: string): void;
}

export interface RelayOptions {
  /** `reprogate+http` or `reprogate+https` (see methodScheme). */
  readonly scheme: string;
  /** Builds the gate when the first package is asked for; a failure refuses every package. */
  readonly createGate: (config: AptConfig, log: RelayLog) => RelayGate | Promise<RelayGate>;
  /**
   * Runs once apt's configuration is known and the child has been started, whether or
   * not a package follows. A throw refuses every package, as a gate that cannot be built does.
   */
  readonly onConfigured?: (config: AptConfig, log: RelayLog) => void;
  readonly io: RelayIo;
  readonly limits?: Partial<FramingLimits>;
  /** How long the child has after SIGINT before SIGKILL. */
  readonly killGraceMs?: number;
  /** The launcher wrote `100 Capabilities` already (relayCapabilitiesText); do not repeat it. */
  readonly capabilitiesSent?: boolean;
}

/** Exit status of a method that failed, as apt's own methods use. */
export const RELAY_FAILURE_EXIT = 100;

const DEFAULT_METHODS_DIR = '/usr/lib/apt/methods/';

/** Runs the relay until apt is done with it; resolves to the process exit status. */
export function runRelay(options: RelayOptions): Promise<number> {
  return new Relay(options).run();
}

/** The real RelayIo: the process's pipes and signals, child_process and fs. */
export function nodeRelayIo(
  proc: Pick<NodeJS.Process, 'stdin' | 'stdout' | 'stderr' | 'on'>,
): RelayIo {
  return {
    input: proc.stdin,
    output: proc.stdout,
    errors: proc.stderr,
    spawnMethod(path, argv0) {
      return spawn(path, [], { argv0, stdio: ['pipe', 'pipe', 'inherit'] });
    },
    async removeFile(path) {
      try {
        await unlink(path);
      } catch (e) {
        if (!(hasCode(e) && e.code === 'ENOENT')) throw e;
      }
    },
    onInterrupt(listener) {
      proc.on('SIGINT', listener);
      proc.on('SIGTERM', listener);
    },
  };
}

interface Gating {
  readonly item: AcquireItem;
  readonly filename: string | undefined;
}

type StopReason = 'interrupted' | 'apt closed our stdout' | 'apt sent a malformed message';

class Relay {
  private readonly io: RelayIo;
  private readonly scheme: string;
  private readonly killGraceMs: number;
  private readonly capabilitiesSent: boolean;
  private readonly fromApt: AptMessageParser;
  private readonly fromChild: AptMessageParser;
  private readonly createGate: RelayOptions['createGate'];
  private readonly onConfigured: RelayOptions['onConfigured'];
  private readonly log: RelayLog;
  private debugEnabled = false;

  private config: AptConfig | undefined;
  private gate: Promise<RelayGate> | undefined;
  private child: MethodChild | undefined;
  private childPath = '';
  private childState: 'not started' | 'running' | 'gone' = 'not started';
  private childStartError: Error | undefined;
  private childStreamBroken = false;
  private killTimer: NodeJS.Timeout | undefined;

  /** Items sent to the child and not yet answered, by their exact URI (FIFO per URI). */
  private readonly fetching = new Map<string, AcquireItem[]>();
  private readonly gating = new Set<Gating>();
  private readonly abort = new AbortController();
  private readonly cleanups: Promise<void>[] = [];

  private inputEnded = false;
  private stopped: StopReason | undefined;
  private failed = false;
  private outputBroken = false;
  private pendingWrites = 0;
  private flushWaiters: (() => void)[] = [];
  private finishing = false;
  private resolveExit: (code: number) => void = () => undefined;

  constructor(options: RelayOptions) {
    this.io = options.io;
    this.scheme = options.scheme;
    this.killGraceMs = options.killGraceMs ?? 3000;
    this.capabilitiesSent = options.capabilitiesSent === true;
    this.fromApt = new AptMessageParser(options.limits);
    this.fromChild = new AptMessageParser(options.limits);
    this.createGate = options.createGate;
    this.onConfigured = options.onConfigured;
    this.log = {
      debug: (line) => {
        if (this.debugEnabled) this.writeError(line);
      },
      error: (line) => this.writeError(line),
    };
  }

  run(): Promise<number> {
    // Every gate in flight may listen on the one shared signal; Node's leak warning
    // at 11 listeners would otherwise reach the user's terminal through apt.
    setMaxListeners(0, this.abort.signal);
    const exit = new Promise<number>((resolve) => (this.resolveExit = resolve));
    const { input, output, errors } = this.io;
    errors.on('error', () => undefined);
    output.on('error', () => this.stop('apt closed our stdout'));
    // Before the 100: apt's probe sends SIGINT as soon as it has read it, and the
    // listener stays until the process exits so a late SIGINT cannot kill it.
    this.io.onInterrupt(() => this.stop('interrupted'));
    if (!this.capabilitiesSent) this.sendRaw(relayCapabilitiesText());
    input.on('data', (chunk: Buffer) => this.onAptData(chunk));
    input.on('end', () => this.onAptEnd());
    input.on('error', () => this.onAptEnd());
    return exit;
  }

  // ---- apt -> relay

  private onAptData(chunk: Buffer): void {
    if (this.stopped) return;
    let messages: ParsedAptMessage[];
    try {
      messages = this.fromApt.push(chunk);
    } catch (e) {
      this.protocolFailure(e);
      return;
    }
    for (const message of messages) {
      if (this.stopped) return;
      this.onAptMessage(message);
    }
  }

  private onAptEnd(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    try {
      this.fromApt.end();
    } catch (e) {
      this.log.debug(`input ended: ${describe(e)}`);
    }
    if (this.childState === 'running') this.child?.stdin.end();
    this.maybeFinish();
  }

  private onAptMessage(message: ParsedAptMessage): void {
    if (message.code === 601 && this.childState === 'not started') {
      this.configure(message);
    } else if (message.code === 600) {
      this.acquire(message);
    } else {
      this.toChild(message);
    }
  }

  private configure(message: ParsedAptMessage): void {
    let config: AptConfig;
    try {
      config = AptConfig.fromMessage(message);
    } catch (e) {
      this.protocolFailure(e);
      return;
    }
    this.debugEnabled = config.getBool('Debug::Reprogate', false);
    this.config = config;
    this.startChild(config.findDir('Dir::Bin::Methods', DEFAULT_METHODS_DIR) + 'http');
    this.toChild(message);
    try {
      this.onConfigured?.(config, this.log);
    } catch (e) {
      this.gate = this.gateFailed(Promise.reject(e instanceof Error ? e : new Error(String(e))));
    }
  }

  /** The gate, built the first time a package needs it. */
  private gateFor(): Promise<RelayGate> {
    if (this.gate) return this.gate;
    const config = this.config;
    if (!config) return Promise.reject(new Error('no configuration was received'));
    this.gate = this.gateFailed(Promise.resolve().then(() => this.createGate(config, this.log)));
    return this.gate;
  }

  /** Says once on stderr why the gate is unusable, if it is; the promise itself still rejects. */
  private gateFailed(gate: Promise<RelayGate>): Promise<RelayGate> {
    gate.catch((e: unknown) => this.log.error(`cannot start verification, refusing every package: ${describe(e)}`));
    return gate;
  }

  private acquire(message: ParsedAptMessage): void {
    if (this.childState === 'not started') {
      this.protocolFailure(new Error('apt sent 600 URI Acquire before 601 Configuration'));
      return;
    }
    let item: AcquireItem;
    try {
      item = readAcquire(message);
    } catch (e) {
      const uri = getField(message, 'URI');
      if (!uri) {
        this.protocolFailure(e);
        return;
      }
      this.send(uriFailureMessage({ uri, message: `reprogate: cannot read apt's request: ${describe(e)}`, failReason: RELAY_FAIL_REASON.badRequest }));
      return;
    }
    if (this.childState === 'gone') {
      this.send(this.childGoneFailure(item));
      return;
    }
    const queue = this.fetching.get(item.uri);
    if (queue) queue.push(item);
    else this.fetching.set(item.uri, [item]);
    const gated = isPackageItem(item);
    this.toChild(gated ? childAcquireRequest(message) : message);
    if (gated) {
      this.gateFor()
        .then((gate) => gate.onAcquire(item))
        .catch((e: unknown) => this.log.debug(`onAcquire ${item.uri}: ${describe(e)}`));
    }
  }

  // ---- child

  private startChild(path: string): void {
    this.childPath = path;
    this.log.debug(`starting ${path} as ${this.scheme}`);
    let child: MethodChild;
    try {
      child = this.io.spawnMethod(path, this.scheme);
    } catch (e) {
      this.childStartError = e instanceof Error ? e : new Error(String(e));
      this.onChildGone(null, null);
      return;
    }
    this.child = child;
    this.childState = 'running';
    child.stdin.on('error', () => undefined); // EPIPE when it died first; 'close' reports that
    child.stdout.on('data', (chunk: Buffer) => this.onChildData(chunk));
    child.on('error', (e) => {
      this.childStartError ??= e;
    });
    child.on('close', (code, signal) => this.onChildGone(code, signal));
  }

  /** Writes a message to the child: verbatim when it came from apt unchanged. */
  private toChild(message: ParsedAptMessage | AptMessage): void {
    if (this.childState !== 'running' || !this.child) {
      this.log.debug(`dropped "${message.code} ${message.text}": apt's http method is not running`);
      return;
    }
    this.child.stdin.write('raw' in message ? message.raw : formatAptMessage(message));
  }

  private onChildData(chunk: Buffer): void {
    if (this.childStreamBroken) return;
    let messages: ParsedAptMessage[];
    try {
      messages = this.fromChild.push(chunk);
    } catch (e) {
      // The child's stream lost its framing: nothing more from it can be trusted.
      this.childStreamBroken = true;
      this.log.error(`apt's http method sent a malformed message: ${describe(e)}`);
      this.killChild();
      return;
    }
    for (const message of messages) this.onChildMessage(message);
  }

  private onChildMessage(message: ParsedAptMessage): void {
    if (message.code === 100) {
      this.log.debug('http method capabilities received (ours were sent already)');
      return;
    }
    if (message.code !== 201 && message.code !== 400 && message.code !== 103) {
      if (!this.stopped) this.sendRaw(message.raw);
      return;
    }
    const uri = getField(message, 'URI') ?? '';
    const item = this.takeFetching(uri);
    if (!item) {
      this.log.debug(`dropped "${message.code} ${message.text}" for a URI apt did not ask for: ${uri.slice(0, 200)}`);
      return;
    }
    if (this.stopped) {
      // Nobody will hear the verdict; a complete, unverified package must not stay.
      if (message.code === 201 && isPackageItem(item)) this.removeLater(item, getField(message, 'Filename'));
      return;
    }
    if (message.code === 201 && isPackageItem(item)) {
      this.startGating(item, message);
    } else if (message.code === 103) {
      const refusal = redirectRefusal(item, message, this.scheme);
      if (refusal) this.log.debug(`refused redirect of ${uri} to ${getField(message, 'New-URI') ?? '(none)'}`);
      if (refusal) this.send(refusal);
      else this.sendRaw(message.raw);
    } else {
      this.sendRaw(message.raw);
    }
  }

  private takeFetching(uri: string): AcquireItem | undefined {
    const queue = this.fetching.get(uri);
    const item = queue?.shift();
    if (queue && queue.length === 0) this.fetching.delete(uri);
    return item;
  }

  private killChild(): void {
    if (this.childState !== 'running' || !this.child) return;
    this.child.kill('SIGINT');
    this.killTimer ??= setTimeout(() => this.child?.kill('SIGKILL'), this.killGraceMs);
  }

  private onChildGone(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.childState === 'gone') return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.childState = 'gone';
    this.child = undefined;
    const outstanding = [...this.fetching.values()].flat();
    this.fetching.clear();
    this.log.debug(`${this.childPath} ${this.childEnd(code, signal)}`);
    if (!this.stopped) {
      // Gone before apt was done with it: whatever apt sends next has nowhere to go.
      if (outstanding.length > 0 || !this.inputEnded) this.failed = true;
      if (this.childStartError) this.log.error(`apt's http method ${this.childPath} ${this.childEnd(code, signal)}`);
      for (const item of outstanding) this.send(this.childGoneFailure(item));
    }
    this.maybeFinish();
  }

  private childEnd(code: number | null, signal: NodeJS.Signals | null): string {
    if (this.childStartError) return `could not be started (${this.childStartError.message})`;
    return `exited (${signal ?? `status ${code}`})`;
  }

  private childGoneFailure(item: AcquireItem): AptMessage {
    const how = this.childStartError ? `could not be started (${this.childStartError.message})` : 'exited unexpectedly';
    return uriFailureMessage({ uri: item.uri, message: `reprogate: apt's http method ${this.childPath} ${how}`, transient: true });
  }

  // ---- gating

  private startGating(item: AcquireItem, done: ParsedAptMessage): void {
    const entry: Gating = { item, filename: getField(done, 'Filename') };
    this.gating.add(entry);
    void this.decide(entry, done).finally(() => {
      this.gating.delete(entry);
      this.maybeFinish();
    });
  }

  private async decide(entry: Gating, done: ParsedAptMessage): Promise<void> {
    const { item, filename } = entry;
    let outcome: GateOutcome;
    let replies: string[];
    try {
      if (!filename) throw new Error(`apt's http method reported no Filename for ${item.uri}`);
      const gate = await this.gateFor();
      const result = await gate.gate(item, filename, this.abort.signal);
      outcome = gateOutcome(item, done, filename, result);
      replies = outcome.replies.map(formatAptMessage);
    } catch (e) {
      if (!this.abort.signal.aborted) this.log.error(`verifying ${item.uri} failed: ${describe(e)}`);
      outcome = gateErrorOutcome(item, filename, e);
      replies = outcome.replies.map(formatAptMessage);
    }
    if (this.abort.signal.aborted) return; // stop() removes the file
    await this.removeFiles(outcome.removeFiles);
    if (this.abort.signal.aborted) return;
    this.log.debug(`${item.uri}: ${outcome.removeFiles.length > 0 ? 'refused' : 'accepted'}`);
    for (const reply of replies) this.sendRaw(reply);
  }

  private async removeFiles(paths: readonly string[]): Promise<void> {
    for (const path of new Set(paths)) {
      try {
        await this.io.removeFile(path);
      } catch (e) {
        this.log.error(`could not delete refused file ${path}: ${describe(e)}`);
      }
    }
  }

  private removeLater(item: AcquireItem, filename: string | undefined): void {
    this.cleanups.push(this.removeFiles(filesOf(item, filename)));
  }

  // ---- output

  private send(message: AptMessage): void {
    this.sendRaw(formatAptMessage(message));
  }

  private sendRaw(text: string): void {
    if (this.outputBroken) return;
    this.pendingWrites++;
    this.io.output.write(text, (e) => {
      this.pendingWrites--;
      if (e) this.stop('apt closed our stdout');
      if (this.pendingWrites === 0) for (const wake of this.flushWaiters.splice(0)) wake();
    });
  }

  private flushed(): Promise<void> {
    if (this.pendingWrites === 0 || this.outputBroken) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private writeError(line: string): void {
    this.io.errors.write(`reprogate (${this.scheme}): ${line.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')}\n`);
  }

  // ---- stopping

  private protocolFailure(error: unknown): void {
    this.log.error(`apt sent a malformed message: ${describe(error)}`);
    this.send(generalFailureMessage(`reprogate: apt sent a malformed message: ${describe(error)}`));
    this.failed = true;
    this.stop('apt sent a malformed message');
  }

  /** Stops everything now: the child is killed and no package left half-decided stays. */
  private stop(reason: StopReason): void {
    if (reason === 'apt closed our stdout') {
      this.outputBroken = true;
      for (const wake of this.flushWaiters.splice(0)) wake();
    }
    if (this.stopped || this.finishing) return;
    this.stopped = reason;
    this.log.debug(`stopping: ${reason}`);
    if (this.fetching.size > 0 || this.gating.size > 0) this.failed = true;
    this.abort.abort();
    for (const entry of this.gating) this.removeLater(entry.item, entry.filename);
    this.killChild();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finishing || this.childState === 'running') return;
    if (!this.stopped && this.gating.size > 0) return;
    if (!this.stopped && !this.failed && !this.inputEnded) return;
    this.finishing = true;
    void this.finish();
  }

  private async finish(): Promise<void> {
    await Promise.all(this.cleanups);
    await this.flushed();
    this.resolveExit(this.failed ? RELAY_FAILURE_EXIT : 0);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return hasCode(error) ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
