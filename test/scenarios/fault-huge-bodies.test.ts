/**
 * Fault: a rebuilder that answers with more than any attestation could be — a 1 GiB
 * body announced by its Content-Length, 1 GiB streamed without one, an endless chunked
 * body, and a small gzip body that inflates to 1 GiB (a compression bomb).
 *
 * Handled by: src/net/client.ts — a declared length over the cap is refused at the
 * headers; the body is read against the cap while it streams and cut there; only
 * `Accept-Encoding: identity` is asked for and an encoded body is refused, never
 * inflated. The rebuilder is `missing` (NET_TOO_LARGE / NET_BAD_RESPONSE, not
 * transient), the package refused, the check quick, and resident memory grows by
 * far less than 64 MiB.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, faultScenario, FAULT_LIMITS, MAX_RSS_GROWTH, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf } from './support/world.js';

const GIB = 1024 * 1024 * 1024;
let s: FaultScenario;
beforeAll(async () => {
  s = await faultScenario('fault-huge');
});
afterAll(() => s.close());
afterEach(() => {
  s.faulty.clearFaults();
  s.healthy.server.clearFaults();
});

describe('bodies larger than any attestation', () => {
  it.each([
    ['1 GiB with its Content-Length', 'NET_TOO_LARGE', { kind: 'huge', bytes: GIB } as const],
    ['an endless chunked body (no length)', 'NET_TOO_LARGE', { kind: 'endless' } as const],
    ['a gzip bomb inflating to 1 GiB', 'NET_BAD_RESPONSE', { kind: 'gzip-bomb', decodedBytes: GIB } as const],
  ])('%s: missing, %s, not transient; quick and within bounded memory', async (_what, code, fault) => {
    s.faulty.fault(s.route, fault);
    const { value, elapsedMs, rssGrowth } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code, transient: false });
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.deadlineMs);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
  });

  it("1 GiB streamed without a length as rebuilderd's package search: cut at the search cap", async () => {
    s.healthy.server.fault('api/v1/packages/binary', { kind: 'endless' });
    const { value, elapsedMs, rssGrowth } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'healthy')).toMatchObject({ status: 'missing', code: 'NET_TOO_LARGE', transient: false });
    expect(outcomeOf(value.verdict, 'healthy').reason).toBe('response larger than 1 MiB');
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.deadlineMs);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
  });

  it('the cap is the attestation limit (4 MiB), so the reason says so', async () => {
    s.faulty.fault(s.route, { kind: 'endless' });
    const { value } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'faulty').reason).toBe('response larger than 4 MiB');
  });
});
