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
  key: string;
  grant: (release: Release) => void;
}

export class ConcurrencyLimiter {
  readonly #total: number;
  readonly #perKey: number;
  #running = 0;
  readonly #runningByKey = new Map<string, number>();
  readonly #queue: Waiter[] = [];

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
    // After every release the queue is pumped, so no queued waiter could run now:
    // a newcomer that can run takes nothing from anyone.
    if (this.#canRun(key)) return Promise.resolve(this.#start(key));

    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        key,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#queue.push(waiter);
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

  #pump(): void {
    for (let i = 0; i < this.#queue.length && this.#running < this.#total; ) {
      const waiter = this.#queue[i];
      if (waiter !== undefined && this.#canRun(waiter.key)) {
        this.#queue.splice(i, 1);
        waiter.grant(this.#start(waiter.key));
      } else {
        i += 1;
      }
    }
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted while waiting for a free slot', { cause: reason });
}
