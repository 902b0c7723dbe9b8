/**
 * Running the external tools of the lab (dpkg-deb, gpg, openssl, apt-get) with a
 * sealed environment. The environment is built from scratch, not inherited: a
 * developer's `http_proxy`, `GNUPGHOME` or `APT_CONFIG` must not leak into a test,
 * and `TMPDIR`/`HOME` point inside the lab so the tools write nothing outside it.
 * Does not interpret any tool's output; callers do.
 */
import { spawn } from 'node:child_process';
import { AptlabError } from './errors.js';

export interface CommandResult {
  /** Exit status, or null when the process died by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface RunOptions {
  /** The complete environment of the child (see sealedEnv); nothing is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly input?: string | Buffer;
  /** Kill the child with SIGKILL after this long and fail with APTLAB_COMMAND_TIMEOUT. */
  readonly timeoutMs?: number;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * An environment holding only what the tools need. `tmpDir` becomes both TMPDIR
 * and HOME, so temp files and dot-files land in the lab. The sbin directories are
 * on PATH because dpkg looks for ldconfig and start-stop-daemon there.
 */
export function sealedEnv(
  tmpDir: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { PATH: SYSTEM_PATH, LC_ALL: 'C.UTF-8', TMPDIR: tmpDir, HOME: tmpDir, ...extra };
}

export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new AptlabError('APTLAB_COMMAND_FAILED', `cannot start ${file}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: CommandResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: performance.now() - started,
      };
      if (timedOut) {
        reject(
          new AptlabError(
            'APTLAB_COMMAND_TIMEOUT',
            `${describe(file, args)} ran longer than ${options.timeoutMs} ms and was killed; ` +
              `stderr: ${tail(result.stderr)}`,
          ),
        );
        return;
      }
      resolve(result);
    });
    // A child that exits before reading its stdin makes the write fail with EPIPE;
    // the exit status, reported by 'close', is what matters.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** runCommand, failing with APTLAB_COMMAND_FAILED unless the tool exits 0. */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) {
    throw new AptlabError(
      'APTLAB_COMMAND_FAILED',
      `${describe(file, args)} exited with ${result.code ?? result.signal}: ${tail(result.stderr || result.stdout)}`,
    );
  }
  return result;
}

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].join(' ').slice(0, 200);
}

function tail(text: string): string {
  const t = text.trim();
  return t.length > 600 ? `...${t.slice(-600)}` : t || '(no output)';
}
