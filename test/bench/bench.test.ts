/**
 * The benchmark's own arithmetic and inputs, which its numbers rest on: the size
 * spread adds up to what W1 promises, the lookup floor is the formula issue 6
 * gives, the synthetic hook input is what the real parser accepts, and targets are
 * judged only in a full run.
 */
import { describe, expect, it } from 'vitest';
import { parseHookInput } from '../../src/hook/input.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { parseAptConfig } from './context.js';
import { FULL, QUICK } from './profile.js';
import { judgeTargets, type BenchResults } from './report.js';
import { seededShuffle, spreadSizes } from './sizes.js';
import { lookupFloorMs, median } from './stats.js';
import { hookInput } from './w4-hook.js';

describe('spreadSizes', () => {
  it('spreads W1 from 5 kB to 30 MB with about 250 MB in all, most packages small', () => {
    const { packages, minBytes, maxBytes, totalBytes } = FULL.w1;
    const sizes = spreadSizes(packages, minBytes, maxBytes, totalBytes);
    expect(sizes).toHaveLength(200);
    expect(sizes[0]).toBe(5000);
    expect(sizes.at(-1)).toBe(30_000_000);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - totalBytes) / totalBytes).toBeLessThan(0.01);
    expect(median(sizes)).toBeLessThan(1_000_000);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
  });

  it('gives the nearest reachable spread when the total cannot be met', () => {
    const sizes = spreadSizes(10, 1000, 5000, 1);
    expect(sizes.slice(0, 9).every((s) => s <= 1001)).toBe(true);
    expect(spreadSizes(1, 1000, 5000, 3000)).toEqual([3000]);
    expect(() => spreadSizes(0, 1, 2, 3)).toThrow(RangeError);
  });

  it('fits the quick profile too', () => {
    const { packages, minBytes, maxBytes, totalBytes } = QUICK.w1;
    const total = spreadSizes(packages, minBytes, maxBytes, totalBytes).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - totalBytes) / totalBytes).toBeLessThan(0.02);
  });
});

describe('seededShuffle', () => {
  it('is a permutation fixed by the seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = seededShuffle(items, 7);
    expect(seededShuffle(items, 7)).toEqual(a);
    expect(a).not.toEqual(items);
    expect(seededShuffle(items, 8)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
  });
});

describe('stats', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('lookup floor: items × k × RTT / window', () => {
    expect(lookupFloorMs(200, 2, 20, 10)).toBe(800);
    expect(lookupFloorMs(50, 2, 150, 4)).toBe(3750);
    expect(() => lookupFloorMs(1, 1, 1, 0)).toThrow(RangeError);
  });
});

describe('hookInput', () => {
  it('is v3 input the hook parser accepts, one install per .deb', () => {
    const deb = (name: string, version: string): BuiltDeb =>
      ({ spec: { name, version, architecture: 'all' }, fileName: `${name}_${version}_all.deb` }) as unknown as BuiltDeb;
    const text = hookInput({ 'Reprogate::Cache': '/tmp/c', 'APT::Architecture': 'amd64' }, [
      { deb: deb('a', '1.0-1'), path: '/x/a_1.0-1_all.deb' },
      { deb: deb('b', '2:3-1'), path: '/x/b_3-1_all.deb' },
    ]);
    const parsed = parseHookInput(text);
    expect(parsed.config.get('Reprogate::Cache')).toBe('/tmp/c');
    const installs = parsed.actions.filter((a) => a.kind === 'install');
    expect(installs.map((a) => [a.name, a.newVersion, a.newArch, a.kind === 'install' ? a.path : ''])).toEqual([
      ['a', '1.0-1', 'all', '/x/a_1.0-1_all.deb'],
      ['b', '2:3-1', 'all', '/x/b_3-1_all.deb'],
    ]);
    expect(parsed.actions.filter((a) => a.kind === 'configure')).toHaveLength(2);
  });
});

describe('parseAptConfig', () => {
  it('reads KEY=VALUE items separated by semicolons', () => {
    expect(parseAptConfig('Acquire::Max-Pipeline-Depth=50; Acquire::http::Pipeline-Depth=20')).toEqual({
      'Acquire::Max-Pipeline-Depth': '50',
      'Acquire::http::Pipeline-Depth': '20',
    });
    expect(parseAptConfig(undefined)).toEqual({});
    expect(() => parseAptConfig('novalue')).toThrow(/KEY=VALUE/);
  });
});

describe('judgeTargets', () => {
  const base = {
    format: 'reprogate-bench',
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationS: 1,
    machine: {} as BenchResults['machine'],
    aptConfig: {},
    reprogateConfParts: ['10reprogate-pipeline'],
    w2: { addedMs: 2500 } as NonNullable<BenchResults['w2']>,
    w4: { medianMs: 900, debs: 500 } as NonNullable<BenchResults['w4']>,
  } as const;

  it('judges a full run and reports misses without failing', () => {
    const targets = judgeTargets({ ...base, profile: 'full' });
    expect(targets.find((t) => t.id === 'W2')?.pass).toBe(false);
    expect(targets.find((t) => t.id === 'W4')?.pass).toBe(true);
    expect(targets.find((t) => t.id === 'W1')).toMatchObject({ measured: 'not run', pass: undefined });
  });

  it('judges nothing in the quick profile', () => {
    expect(judgeTargets({ ...base, profile: 'quick' }).every((t) => t.pass === undefined)).toBe(true);
  });
});
