/**
 * Fault: a rebuilder that is slow on purpose or by accident — no response headers, a
 * body trickled one byte at a time (slowloris), a body that stops after its first
 * byte, and an instance whose every build is slow.
 *
 * Handled by: src/net/client.ts (headers and body-idle timeouts, a total deadline per
 * request, requests bounded in flight) and src/rebuilders/ (a failed lookup is a
 * `missing` result, marked transient). The check ends within a small multiple of the
 * configured timeouts, the rebuilder counts as missing, and with the threshold not met
 * the package is refused; the healthy rebuilder's answer is unaffected.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeSigner, rebuilderdAttestation } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { startRebuilderServer } from '../support/rebuilder-server.js';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { NOW, outcomeOf, policyYaml } from './support/world.js';

let s: FaultScenario;
beforeAll(async () => {
  s = await faultScenario('fault-timeouts');
});
afterAll(() => s.close());
afterEach(() => s.faulty.clearFaults());

describe('a slow rebuilder is missing (transient) within the configured timeouts', () => {
  it('control: without a fault both rebuilders agree', async () => {
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('ACCEPTED');
  });

  it('response headers that never come: NET_TIMEOUT after the headers timeout', async () => {
    s.faulty.fault(s.route, { kind: 'delay', ms: 30_000 });
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_TIMEOUT', transient: true });
    expect(outcomeOf(value.verdict, 'faulty').reason).toContain('waiting for response headers');
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.headersTimeoutMs);
  });

  it('a slowloris body (a byte every 100 ms, under the idle timeout): NET_TIMEOUT at the total deadline', async () => {
    s.faulty.fault(s.route, { kind: 'trickle', intervalMs: 100 });
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_TIMEOUT', transient: true });
    expect(outcomeOf(value.verdict, 'faulty').reason).toContain('no complete response within 1 s');
    expect(elapsedMs).toBeGreaterThanOrEqual(FAULT_LIMITS.deadlineMs - 50);
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.deadlineMs);
  });

  it('a body that stops after its first byte: NET_TIMEOUT after the body-idle timeout', async () => {
    s.faulty.fault(s.route, { kind: 'trickle', intervalMs: 60_000 });
    const { value, elapsedMs } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_TIMEOUT', transient: true });
    expect(outcomeOf(value.verdict, 'faulty').reason).toContain('without body data');
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.bodyTimeoutMs);
  });

  it('an instance with eight builds, each trickling its attestation: bounded by the per-request deadline, not eight of them', async () => {
    const slow = await startRebuilderServer();
    try {
      const signer = makeSigner();
      for (let i = 0; i < 8; i++) slow.addPackage({ ...s.deb.spec, attestations: [rebuilderdAttestation(s.deb.fileName, s.deb.sha256, signer)] });
      slow.fault(/^api\/v1\/builds\//, { kind: 'trickle', intervalMs: 100 });
      const yaml = policyYaml({ threshold: 1, rebuilders: [{ name: 'slow', type: 'rebuilderd', url: slow.url, keys: ['keys/slow.pem'] }] });
      const policy = await policyFrom(yaml, { 'keys/slow.pem': signer.rebuilderdPem }, NOW);
      const { value, elapsedMs } = await s.world.check({ path: s.deb.path }, policy);
      expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
      expect(outcomeOf(value.verdict, 'slow')).toMatchObject({ status: 'missing', code: 'NET_TIMEOUT', transient: true });
      expect(slow.requestsTo(/^api\/v1\/builds\//)).toHaveLength(8);
      // Four at a time (the adapter's `parallel`): two rounds of one deadline each.
      expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.deadlineMs);
    } finally {
      await slow.close();
    }
  });
});
