/**
 * Assertion helpers for the network-edge tests: the error a promise or a call must
 * fail with, failing the test when it does not fail (so no assertion is skipped
 * silently).
 */
import { NetError } from '../../src/net/errors.js';

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

export async function netFailure(promise: Promise<unknown>): Promise<NetError> {
  const e = await rejectionOf(promise);
  if (e instanceof NetError) return e;
  throw new Error(`expected a NetError, got ${String(e)}`, { cause: e });
}

export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception, but none was thrown');
}
