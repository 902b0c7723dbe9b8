/**
 * The lab: one temporary directory that holds everything a real-apt test makes
 * (packages, repositories, keys, certificates, apt roots, logs), plus a stack of
 * closers for what runs (servers, proxies, gpg agents). `close()` stops them in
 * reverse order and removes the directory.
 *
 * The directory is made world-traversable (0755) on purpose: as root, apt drops its
 * download methods to the `_apt` user, and `_apt` must reach `partial/`, the
 * `Signed-By` keyring and the `CaInfo` certificate. mkdtemp makes 0700 directories;
 * with those, apt prints "Download is performed unsandboxed as root" and tests would
 * no longer exercise the sandbox real users run under. See README.md.
 *
 * Does not decide where individual parts go; the builders take a directory.
 */
import { constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AptlabError } from './errors.js';

export type Closer = () => Promise<void> | void;

export interface Lab extends AsyncDisposable {
  /** Absolute path of the lab directory. */
  readonly dir: string;
  /** A path inside the lab. */
  path(...parts: string[]): string;
  /** Run `closer` when the lab closes (before the directory is removed). */
  defer(closer: Closer): void;
  /** Stop everything deferred (last first), then delete the directory. Idempotent. */
  close(): Promise<void>;
}

export interface LabOptions {
  /** Where to create the lab (default: the OS temp dir). Must be traversable by others. */
  readonly parent?: string;
  /** Keep the directory after close (for post-mortem debugging). */
  readonly keep?: boolean;
}

export async function createLab(options: LabOptions = {}): Promise<Lab> {
  const parent = resolve(options.parent ?? tmpdir());
  await assertTraversableByOthers(parent);
  const dir = await mkdtemp(join(parent, 'aptlab-'));
  await chmod(dir, 0o755);
  const closers: Closer[] = [];
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      const errors: unknown[] = [];
      for (const closer of closers.reverse()) {
        try {
          await closer();
        } catch (e) {
          errors.push(e);
        }
      }
      if (options.keep !== true) await rm(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, `lab ${dir}: ${errors.length} closer(s) failed`);
    })();
    return closing;
  };

  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    defer: (closer) => {
      closers.push(closer);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** mkdir -p with a mode that survives a restrictive umask. */
export async function makeDir(path: string, mode = 0o755): Promise<string> {
  await mkdir(path, { recursive: true });
  await chmod(path, mode);
  return path;
}

/**
 * Fail early, with a reason, when `_apt` could not walk from / to `path`: apt would
 * otherwise silently fall back to unsandboxed downloads. Only checks the
 * "others" execute bit (`_apt` shares no group with root-owned dirs), and changes
 * nothing, since those directories are outside the lab.
 */
export async function assertTraversableByOthers(path: string): Promise<void> {
  for (let p = resolve(path); ; p = dirname(p)) {
    const s = await stat(p);
    if ((s.mode & constants.S_IXOTH) === 0) {
      throw new AptlabError(
        'APTLAB_SANDBOX_UNREACHABLE',
        `${p} is not traversable by other users (mode ${(s.mode & 0o777).toString(8)}); ` +
          `apt's _apt sandbox could not reach a lab under it: choose another parent directory`,
      );
    }
    if (p === dirname(p)) return;
  }
}
