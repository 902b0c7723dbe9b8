/**
 * The machine a result was measured on, recorded next to the numbers: CPU model
 * and cores, memory, kernel, Node and apt versions, the load before and after
 * (other jobs on a shared machine move every number), and the reprogate commit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly apt: string;
  readonly reprogateCommit: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** Everything but the load after the run, which the caller adds at the end. */
export function describeMachine(repoRoot: string): Omit<MachineInfo, 'loadAfter'> {
  const cpuinfo = readText('/proc/cpuinfo');
  const osRelease = readText('/etc/os-release');
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGB: Math.round(totalmem() / 1e9),
    kernel: release(),
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown',
    node: process.version,
    apt: tool('apt-get', ['--version']).split('\n')[0] ?? 'unknown',
    // Read-only: which commit (and whether the tree had changes) these numbers belong to.
    reprogateCommit: `${tool('git', ['-C', repoRoot, 'rev-parse', 'HEAD']).trim()}${tool('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src']).trim() === '' ? '' : ' (src modified)'}`,
    loadBefore: currentLoad(),
  };
}

export function currentLoad(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function tool(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'unknown';
  }
}
