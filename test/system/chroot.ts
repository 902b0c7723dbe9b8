/**
 * A debootstrapped Debian root as the system test uses it from outside: mount
 * /proc in it, run commands inside with chroot(8), and remove it only when
 * nothing is mounted below it.
 *
 * Why the mount check: `rm -rf` descends into mount points. A /proc, or a bind
 * mount of a host folder, left inside the root would have the removal delete or
 * trip over the host's files. debootstrap mounts /proc and /sys in its target
 * itself and unmounts them when it exits; one killed by a timeout can leave them
 * behind. So removal unmounts whatever is below the root (deepest first), reads
 * the mount table again, and refuses to delete anything while a mount remains.
 *
 * Only /proc is mounted: Node and dpkg need it; apt wants /dev/pts only for its
 * dpkg log pty (see `APT_CONF_WITHOUT_PTY`), and debootstrap already made the
 * device nodes in /dev.
 *
 * The root shares the host's network namespace, so servers the test starts on
 * 127.0.0.1 are reachable from inside.
 *
 * Deliberately not here: running debootstrap (the test runs the documented steps),
 * apt sources, policies.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { runChecked, runCommand, type CommandResult } from '../support/aptlab/index.js';

const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment of every command run inside: built from scratch, so nothing of the
 * test runner's (http_proxy, APT_CONFIG, NODE_OPTIONS, TMPDIR) leaks into the root.
 */
export function chrootEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: CHROOT_PATH, LC_ALL: 'C.UTF-8', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive', ...extra };
}

/** Host environment for the tools that work on the root from outside (mount, umount). */
const hostEnv = (): Record<string, string> => ({ PATH: CHROOT_PATH, LC_ALL: 'C.UTF-8' });

/** Run `argv` inside `root` as root; a non-zero exit is a result, not an error. */
export function inRoot(root: string, argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  return runCommand('chroot', [root, ...argv], {
    env: chrootEnv(),
    timeoutMs: options.timeoutMs ?? 300_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/** inRoot, failing with the command's output unless it exits 0. */
export async function inRootChecked(root: string, argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
  const result = await inRoot(root, argv, options);
  if (result.code !== 0) {
    throw new Error(`chroot ${root} ${argv.join(' ')} exited with ${result.code ?? result.signal}:\n${`${result.stdout}\n${result.stderr}`.trim().slice(-4000)}`);
  }
  return result;
}

/** Mount a fresh proc filesystem on `<root>/proc`. */
export async function mountProc(root: string): Promise<void> {
  await runChecked('mount', ['-t', 'proc', 'proc', path.join(root, 'proc')], { env: hostEnv(), timeoutMs: 30_000 });
}

/**
 * Mount points at or below `dir`, deepest first, from this process's mount table.
 * The kernel writes spaces, tabs, newlines and backslashes in paths as octal escapes.
 */
export async function mountsUnder(dir: string): Promise<string[]> {
  const base = path.resolve(dir);
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points = table
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === base || point.startsWith(`${base}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmount everything at or below `dir`, deepest first. */
export async function unmountAll(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    await runChecked('umount', [point], { env: hostEnv(), timeoutMs: 30_000 });
  }
}

/**
 * Remove `dir` (a scratch folder holding one or more roots) after unmounting
 * what is below it; refuse, leaving everything in place, if a mount survives.
 */
export async function removeSafely(dir: string): Promise<void> {
  await unmountAll(dir);
  const left = await mountsUnder(dir);
  if (left.length > 0) {
    throw new Error(`not removing ${dir}: still mounted below it: ${left.join(', ')}; unmount them and remove it by hand`);
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * apt runs dpkg on a pseudo-terminal to log its output, which needs /dev/pts; without
 * it every install prints `E: Can not write log (Is /dev/pts mounted?)` (and still
 * succeeds). Turning the pty off keeps the test's one mount /proc and apt's stderr clean.
 */
export const APT_CONF_WITHOUT_PTY = 'Dpkg::Use-Pty "false";\n';
