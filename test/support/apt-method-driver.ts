/**
 * Drives an apt method process the way apt does: pipes on stdin/stdout, stderr
 * captured, messages parsed with our codec as they arrive. Also builds the method
 * executables the tests run (esbuild bundles with a node shebang, installed under
 * scheme names in a methods directory, as the Debian package will install them).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmod, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { ParsedAptMessage } from '../../src/apt/index.js';
import { AptMessageParser } from '../../src/apt/index.js';
import { eventually } from './apt-wait.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Bundles a TypeScript entry into `outfile` (ESM, Node 18 syntax) as an executable
 * script, so it can be run directly or through a symlink, as apt runs methods.
 */
export async function bundleExecutable(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    banner: { js: `#!${process.execPath}` },
    logLevel: 'silent',
  });
  await chmod(outfile, 0o755);
}

/** Installs `target` in `methodsDir` under `name` (a symlink, like /usr/lib/apt/methods/https -> http). */
export async function installMethod(methodsDir: string, name: string, target: string): Promise<string> {
  const path = join(methodsDir, name);
  await symlink(target, path);
  return path;
}

export interface MethodExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class MethodDriver {
  readonly messages: ParsedAptMessage[] = [];
  readonly exited: Promise<MethodExit>;
  private stderrText = '';
  private parseError: unknown;

  private constructor(private readonly process: ChildProcessWithoutNullStreams) {
    const parser = new AptMessageParser();
    process.stdout.on('data', (chunk: Buffer) => {
      try {
        this.messages.push(...parser.push(chunk));
      } catch (e) {
        this.parseError = e;
      }
    });
    process.stderr.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString('utf8')));
    process.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => process.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Starts the method at `path` with a sealed environment (plus `env`). */
  static start(path: string, env: Readonly<Record<string, string>> = {}): MethodDriver {
    const child = spawn(path, [], {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new MethodDriver(child);
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  send(text: string): void {
    this.process.stdin.write(text);
  }

  closeInput(): void {
    this.process.stdin.end();
  }

  /** Closes our end of the method's stdout, as a reader that went away. */
  closeOutput(): void {
    this.process.stdout.destroy();
  }

  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  stderr(): string {
    return this.stderrText;
  }

  /** The first message (from index `from`) that satisfies `match`. */
  async waitFor(match: (m: ParsedAptMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<ParsedAptMessage> {
    return eventually(
      () => {
        if (this.parseError) throw this.parseError as Error;
        return this.messages.slice(from).find(match);
      },
      timeoutMs,
      'a message from the method',
    );
  }

  /** Processes this method started (from /proc), e.g. the http method under the relay. */
  async children(): Promise<number[]> {
    try {
      const text = await readFile(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8');
      return text.trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Ends the process if a test left it running. */
  async dispose(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Whether a process still exists and is not a zombie. */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}
