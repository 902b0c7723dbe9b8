/**
 * Fault: a rebuilder that answers with an error status — overloaded or broken (5xx,
 * 429), one that says it never will (501), one that has nothing (404) — on its
 * attestation route or, for rebuilderd, on its package search.
 *
 * Handled by: src/net/errors.ts (NET_HTTP_STATUS with `transient` by status: 5xx but
 * 501, 408, 425 and 429 may succeed on retry) and src/rebuilders/ (404 is
 * REBUILDER_NOT_FOUND, not transient). The rebuilder is `missing` with the right
 * flag, the threshold is not met, the package is refused, and transient failures are
 * not written to the cache (src/runtime/evidence.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf } from './support/world.js';

let s: FaultScenario;
beforeAll(async () => {
  s = await faultScenario('fault-status');
});
afterAll(() => s.close());
afterEach(() => {
  s.faulty.clearFaults();
  s.healthy.server.clearFaults();
});

describe('error statuses', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [429, true],
    [501, false],
    [403, false],
  ])('HTTP %i on the attestation: missing, NET_HTTP_STATUS, transient %s; refused', async (status, transient) => {
    s.faulty.fault(s.route, { kind: 'status', status });
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_HTTP_STATUS', reason: `HTTP ${status}`, transient });
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.headersTimeoutMs);
  });

  it('HTTP 404: the rebuilder has nothing, not transient', async () => {
    s.faulty.fault(s.route, { kind: 'status', status: 404 });
    const { value } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'REBUILDER_NOT_FOUND', transient: false });
  });

  it("HTTP 503 on rebuilderd's package search: missing, transient", async () => {
    s.healthy.server.fault('api/v1/packages/binary', { kind: 'status', status: 503 });
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy')).toMatchObject({ status: 'missing', code: 'NET_HTTP_STATUS', transient: true });
    expect(outcomeOf(value.verdict, 'faulty').status).toBe('agrees');
  });
});
