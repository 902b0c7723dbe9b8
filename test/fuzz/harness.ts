/**
 * The fuzzing harness: one `FuzzTarget` per parser (or decision), run as a fast-check
 * property. Every target states the same two things about hostile input, and may add
 * its own properties (round trips, "what verifies is what was signed"):
 *
 * - nothing throws but the code's own typed errors (ReprogateError subclasses, or
 *   InTotoError for the self-contained in-toto library), each with a stable `code` and
 *   a one-line message: a `TypeError`, `RangeError` or a library's raw error escaping
 *   is a bug, because callers branch on codes and fail closed only on what they catch;
 * - each case finishes within the target's bound: a case over it (an accidental
 *   quadratic loop, a regex that backtracks, a decompressor that spins) fails the
 *   property with the input that caused it. Async cases also get fast-check's per-run
 *   `timeout`; run.ts adds a watchdog for a synchronous loop that never returns.
 *
 * Cases explained by a known bug in src/ (a target's `knownBugs`, each pinned by an `it.fails`
 * test) are counted instead of failed. Used by run.ts (`npm run fuzz`, 100 000 cases
 * per target) and fuzz.test.ts (500 per target in `npm test`).
 */
import fc from 'fast-check';

/** A class of error a target's code may throw on bad input. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** How a case broke one of the two general properties. */
export type Problem = 'untyped-error' | 'unsafe-message';

/**
 * A bug in src/ the fuzzer finds, pinned by a deterministic `it.fails` test elsewhere
 * and described there. Cases it explains are counted, not failed, so that the target
 * keeps guarding everything else; remove the entry when the pinning test is fixed.
 */
export interface KnownBug {
  readonly id: string;
  /** The test that pins it. */
  readonly pinnedBy: string;
  explains(problem: Problem, error: unknown): boolean;
}

export interface FuzzTarget<T> {
  /** Short, stable: used on the command line and in reports. */
  readonly name: string;
  /** What is fuzzed and what is asserted, in one line. */
  readonly description: string;
  /** The typed errors the code under test may throw. */
  readonly expected: readonly ErrorClass[];
  /** Longest one case may take, generously above the slowest honest input. */
  readonly caseBoundMs: number;
  readonly knownBugs?: readonly KnownBug[];
  /** Loads seeds and keys once (files, openpgp.js); runs before `arbitrary`. */
  prepare?(): Promise<void>;
  arbitrary(): fc.Arbitrary<T>;
  /** One case: throws an expected error, throws an assertion failure, or returns. */
  run(input: T): void | Promise<void>;
}

/** A target with its input type hidden, so targets of every type fit in one list. */
export interface Target {
  readonly name: string;
  readonly description: string;
  readonly caseBoundMs: number;
  fuzz(options: FuzzOptions): Promise<FuzzReport>;
}

export function defineTarget<T>(target: FuzzTarget<T>): Target {
  return { name: target.name, description: target.description, caseBoundMs: target.caseBoundMs, fuzz: (options) => fuzz(target, options) };
}

export interface FuzzOptions {
  readonly numRuns: number;
  readonly seed?: number;
  /** Called once per case before it runs (the runner's watchdog counts them). */
  readonly onCase?: () => void;
  /** Stop the target after this long and fail: a guard, far above any honest run. */
  readonly timeLimitMs?: number;
}

export interface FuzzReport {
  readonly target: string;
  readonly runs: number;
  readonly elapsedMs: number;
  /** Cases that ended in one of the expected typed errors, by code. */
  readonly codes: ReadonlyMap<string, number>;
  /** The slowest case. */
  readonly slowestMs: number;
  /** Cases explained by a known bug, by its id. */
  readonly knownBugHits: ReadonlyMap<string, number>;
}

/** A property violation found by fuzzing (as opposed to an expected typed error). */
export class FuzzFailure extends Error {}

/** C0, DEL and C1: terminals act on them, and a message is one printable line (src/errors.ts). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

async function fuzz<T>(target: FuzzTarget<T>, options: FuzzOptions): Promise<FuzzReport> {
  await target.prepare?.();
  const codes = new Map<string, number>();
  const knownBugHits = new Map<string, number>();
  const count = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  let runs = 0;
  let slowestMs = 0;
  const property = fc.asyncProperty(target.arbitrary(), async (input) => {
    options.onCase?.();
    runs += 1;
    const started = performance.now();
    try {
      await target.run(input);
    } catch (e) {
      const verdict = judgeError(target, e);
      if ('code' in verdict) count(codes, verdict.code);
      else count(knownBugHits, verdict.known);
    }
    const took = performance.now() - started;
    slowestMs = Math.max(slowestMs, took);
    if (took > target.caseBoundMs) {
      throw new FuzzFailure(`${target.name}: one case took ${took.toFixed(0)} ms, over the bound of ${target.caseBoundMs} ms`);
    }
  });
  const started = performance.now();
  await fc.assert(property, {
    numRuns: options.numRuns,
    timeout: target.caseBoundMs,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: true }),
  });
  return { target: target.name, runs, elapsedMs: performance.now() - started, codes, slowestMs, knownBugHits };
}

/**
 * The error's code if it is one the target may throw with a one-line message, the id
 * of the known bug that explains it, or else a FuzzFailure.
 */
function judgeError<T>(target: FuzzTarget<T>, e: unknown): { code: string } | { known: string } {
  if (e instanceof FuzzFailure) throw e;
  const known = (problem: Problem) => target.knownBugs?.find((bug) => bug.explains(problem, e))?.id;
  if (!target.expected.some((type) => e instanceof type)) {
    const id = known('untyped-error');
    if (id !== undefined) return { known: id };
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new FuzzFailure(`${target.name}: untyped error escaped: ${what}`, { cause: e });
  }
  const error = e as Error & { code?: unknown };
  if (typeof error.code !== 'string' || error.code === '') throw new FuzzFailure(`${target.name}: ${error.name} without a code: ${error.message}`);
  if (CONTROL.test(error.message)) {
    const id = known('unsafe-message');
    if (id !== undefined) return { known: id };
    throw new FuzzFailure(`${target.name}: ${error.code} message is not one printable line: ${JSON.stringify(error.message)}`);
  }
  return { code: error.code };
}

/** An assertion inside a case: a FuzzFailure, never mistaken for an expected error. */
export function ensure(condition: boolean, what: string): asserts condition {
  if (!condition) throw new FuzzFailure(what);
}
