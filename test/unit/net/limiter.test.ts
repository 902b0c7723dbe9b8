import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, type Release } from '../../../src/net/limiter.js';

/** Lets queued grants (promise callbacks) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<Release>): { release: () => Release | undefined; error: () => unknown } {
  let release: Release | undefined;
  let error: unknown;
  promise.then((r) => (release = r), (e: unknown) => (error = e));
  return { release: () => release, error: () => error };
}

describe('ConcurrencyLimiter', () => {
  it('never runs more than the total, and hands slots on in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const a = track(limiter.acquire('a'));
    const b = track(limiter.acquire('b'));
    const c = track(limiter.acquire('c'));
    const d = track(limiter.acquire('d'));
    await settle();
    expect([a, b, c, d].map((t) => t.release() !== undefined)).toEqual([true, true, false, false]);
    expect(limiter.running).toBe(2);
    a.release()!();
    await settle();
    expect(c.release()).toBeDefined();
    expect(d.release()).toBeUndefined();
    expect(limiter.running).toBe(2);
  });

  it('bounds each key, and lets other keys pass a busy one', async () => {
    const limiter = new ConcurrencyLimiter(4, 1);
    const first = track(limiter.acquire('slow.example'));
    const second = track(limiter.acquire('slow.example'));
    const other = track(limiter.acquire('fast.example'));
    await settle();
    expect(first.release()).toBeDefined();
    expect(second.release()).toBeUndefined();
    expect(other.release()).toBeDefined();
    first.release()!();
    await settle();
    expect(second.release()).toBeDefined();
  });

  it('gives a freed slot to the earliest waiter that can run, passing an earlier one whose key is busy', async () => {
    const limiter = new ConcurrencyLimiter(2, 1);
    const a = track(limiter.acquire('a'));
    const b = track(limiter.acquire('b'));
    const a2 = track(limiter.acquire('a'));
    const c = track(limiter.acquire('c'));
    const c2 = track(limiter.acquire('c'));
    await settle();
    b.release()!();
    await settle();
    expect([a2.release(), c.release(), c2.release()].map((r) => r !== undefined)).toEqual([false, true, false]);
    a.release()!();
    await settle();
    expect([a2.release(), c2.release()].map((r) => r !== undefined)).toEqual([true, false]);
    expect(limiter.running).toBe(2);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const release = await limiter.acquire('a');
    const waiting = track(limiter.acquire('a'));
    const third = track(limiter.acquire('a'));
    release();
    release();
    await settle();
    expect(waiting.release()).toBeDefined();
    expect(third.release()).toBeUndefined();
    expect(limiter.running).toBe(1);
  });

  it('rejects a waiter whose signal aborts, and drops it from the queue', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const release = await limiter.acquire('a');
    const controller = new AbortController();
    const aborted = track(limiter.acquire('a', controller.signal));
    const next = track(limiter.acquire('a'));
    controller.abort(new Error('stop'));
    await settle();
    expect((aborted.error() as Error).message).toBe('stop');
    release();
    await settle();
    expect(next.release()).toBeDefined();
    expect(aborted.release()).toBeUndefined();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    await expect(limiter.acquire('a', AbortSignal.abort())).rejects.toBeInstanceOf(Error);
    expect(limiter.running).toBe(0);
  });

  it('refuses nonsensical limits', () => {
    expect(() => new ConcurrencyLimiter(0, 1)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter(1, 1.5)).toThrow(RangeError);
  });
});
