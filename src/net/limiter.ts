/**
 * A concurrency limiter with two bounds at once: requests in flight overall and per
 * key (the target host). Both slots are granted together, so a request waiting for a
 * busy host never holds an overall slot that a request to an idle host could use.
 * Waiters are served in arrival order among those that can run.
 *
 * A fleet of templates behind one updates proxy must not open dozens of connections
 * to one rebuilder for one `apt-get upgrade`; this is what keeps it polite.
 *
 * Deliberately not here: timeouts (the caller's signal covers the wait) and fairness
 * across keys beyond arrival order.
 */

export type Release = () => void;

interface Waiter {
  readonly key: string;
  /** Arrival order, across keys. */
  readonly seq: number;
  grant: (release: Release) => void;
}

export class ConcurrencyLimiter {
  readonly #total: number;
  readonly #perKey: number;
  #running = 0;
  readonly #runningByKey = new Map<string, number>();
  /**
   * Waiters by key, each queue in arrival order. A release looks at the head of
   * each key's queue only: one apt run queues a thousand lookups for three
   * rebuilders, and scanning one queue of all of them on every release cost
   * more than the rest of the limiter.
   */
  readonly #queues = new Map<string, Waiter[]>();
  #arrivals = 0;

  constructor(total: number, perKey: number) {
    if (!Number.isInteger(total) || total < 1 || !Number.isInteger(perKey) || perKey < 1) {
      throw new RangeError('concurrency limits must be positive integers');
    }
    this.#total = total;
    this.#perKey = Math.min(perKey, total);
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if aborted first. */
  acquire(key: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    // After every release the queues are pumped, so no queued waiter could run now:
    // a newcomer that can run takes nothing from anyone.
    if (this.#canRun(key)) return Promise.resolve(this.#start(key));

    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        key,
        seq: this.#arrivals++,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, [waiter]);
      else queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Requests running now (for tests and diagnostics). */
  get running(): number {
    return this.#running;
  }

  #canRun(key: string): boolean {
    return this.#running < this.#total && (this.#runningByKey.get(key) ?? 0) < this.#perKey;
  }

  #start(key: string): Release {
    this.#running += 1;
    this.#runningByKey.set(key, (this.#runningByKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running -= 1;
      const left = (this.#runningByKey.get(key) ?? 1) - 1;
      if (left === 0) this.#runningByKey.delete(key);
      else this.#runningByKey.set(key, left);
      this.#pump();
    };
  }

  /** Grants slots to the earliest waiters that can run, until none can. */
  #pump(): void {
    for (;;) {
      let next: Waiter[] | undefined;
      for (const queue of this.#queues.values()) {
        const head = queue[0];
        if (head !== undefined && this.#canRun(head.key) && (next === undefined || head.seq < (next[0]?.seq ?? Infinity))) next = queue;
      }
      const waiter = next?.shift();
      if (waiter === undefined) return;
      if (next?.length === 0) this.#queues.delete(waiter.key);
      waiter.grant(this.#start(waiter.key));
    }
  }

  #remove(waiter: Waiter): void {
    const queue = this.#queues.get(waiter.key);
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(waiter.key);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted while waiting for a free slot', { cause: reason });
}
