/**
 * Fault: a response that breaks off or is not what it claims — the connection reset
 * mid-body, a body shorter than its Content-Length, JSON cut off in the middle, bytes
 * that are not HTTP at all, and a well-formed HTTP body that is garbage.
 *
 * Handled by: src/net/client.ts and src/net/errors.ts (NET_RESET, transient;
 * NET_BAD_RESPONSE for a peer that does not speak HTTP, not transient),
 * src/rebuilders/rebuilderd.ts (an unparsable search answer is REBUILDER_BAD_RESPONSE)
 * and src/in-toto/json.ts (a cut-off or garbage document is `invalid`, never counted).
 * Either way the package is refused below the threshold, quickly.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf } from './support/world.js';

let s: FaultScenario;
beforeAll(async () => {
  s = await faultScenario('fault-broken');
});
afterAll(() => s.close());
afterEach(() => {
  s.faulty.clearFaults();
  s.healthy.server.clearFaults();
});

/** The genuine document the faulty rebuilder would serve, cut in half. */
async function genuineHalf(): Promise<Buffer> {
  const response = await s.world.http.boundedGet(`${s.faulty.url}${s.route}`);
  return Buffer.from(response.bytes.subarray(0, Math.floor(response.bytes.length / 2)));
}

describe('broken responses', () => {
  it.each([
    ['the connection reset mid-body', 'NET_RESET', true, { kind: 'reset-mid-body' } as const],
    ['a body shorter than its Content-Length', 'NET_RESET', true, { kind: 'truncate' } as const],
    ['bytes that are not HTTP', 'NET_BAD_RESPONSE', false, { kind: 'garbage' } as const],
  ])('%s: missing, %s, transient %s; refused', async (_what, code, transient, fault) => {
    s.faulty.fault(s.route, fault);
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code, transient });
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.bodyTimeoutMs);
  });

  it('a document cut off in the middle (complete HTTP, truncated JSON): invalid, JSON_SYNTAX', async () => {
    s.faulty.fault(s.route, { kind: 'body', bytes: await genuineHalf() });
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'invalid', code: 'JSON_SYNTAX' });
  });

  it.each([
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['binary noise', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x01])],
    ['JSON of the wrong shape', '{"records":[]}'],
  ])('%s served as the attestation: invalid, never counted', async (_what, bytes) => {
    s.faulty.fault(s.route, { kind: 'body', bytes });
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'faulty').status).toBe('invalid');
  });

  it("truncated JSON as rebuilderd's package search answer: missing, REBUILDER_BAD_RESPONSE", async () => {
    s.healthy.server.fault('api/v1/packages/binary', { kind: 'body', bytes: '{"total":1,"records":[{"name":"hel' });
    const { value } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'healthy')).toMatchObject({ status: 'missing', code: 'REBUILDER_BAD_RESPONSE', transient: false });
  });
});
