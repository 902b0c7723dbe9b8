/**
 * Fault: a rebuilder whose host name does not resolve (a typo in the policy, a name
 * that expired, no DNS in the template). `.invalid` is reserved never to resolve
 * (RFC 6761), so the test needs no network.
 *
 * Handled by: src/net/errors.ts — NET_DNS, transient (resolvers recover). On a machine
 * whose resolver does not answer at all, the connect timeout fires first (NET_TIMEOUT,
 * transient too); the test asks the system resolver first, and where it answers
 * promptly (as on the development machine) only NET_DNS will do. Either way the rebuilder is `missing`, the package
 * refused, within the connect timeout's bound.
 */
import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf } from './support/world.js';

const HOST = 'rebuilder.reprogate.invalid';
let s: FaultScenario;
let resolverAnswers: boolean;

beforeAll(async () => {
  s = await faultScenario('fault-dns', { faultyUrl: (server) => `http://${HOST}:${server.port}/` });
  // A silent resolver may take many seconds to give up; the probe does not wait for it.
  const probe = await Promise.race([
    lookup(HOST).then(
      () => 'resolved',
      () => 'refused',
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('silent'), FAULT_LIMITS.connectTimeoutMs / 2).unref()),
  ]);
  if (probe === 'resolved') throw new Error(`${HOST} resolves on this machine; the DNS scenario cannot run`);
  resolverAnswers = probe === 'refused';
});
afterAll(() => s.close());

describe('a rebuilder host name that does not resolve', () => {
  it('is missing, transient (NET_DNS, or NET_TIMEOUT if the resolver is silent); refused', async () => {
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    const faulty = outcomeOf(value.verdict, 'faulty');
    expect(faulty).toMatchObject({ status: 'missing', transient: true });
    expect(resolverAnswers ? ['NET_DNS'] : ['NET_DNS', 'NET_TIMEOUT']).toContain(faulty.code);
    expect(s.faulty.requests).toHaveLength(0);
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.connectTimeoutMs);
  });
});
