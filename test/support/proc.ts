/**
 * Finding the apt method's processes in /proc (the soak's and the benchmark's
 * samplers). apt runs the method by its path in the methods folder; the shell
 * launcher (dist/apt-method) gets that path as its last argument from the kernel,
 * and passes it on as the last argument of the node process it becomes (same pid).
 *
 * Linux only. Reads /proc; changes nothing.
 */
import { readdir, readFile } from 'node:fs/promises';

export async function listPids(): Promise<number[]> {
  return (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** A process's arguments, or undefined once it is gone. */
export async function readCommandLine(pid: number): Promise<string[] | undefined> {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    if (args[args.length - 1] === '') args.pop(); // every argument ends in a NUL
    return args;
  } catch {
    return undefined;
  }
}

/** Whether `argv` is the method apt ran as `invokedAs`: its launcher, or the node process it became. */
export function isMethodProcess(argv: readonly string[], invokedAs: string): boolean {
  return argv.length >= 2 && argv[argv.length - 1] === invokedAs;
}
