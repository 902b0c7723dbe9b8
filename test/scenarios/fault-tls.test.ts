/**
 * Fault: an https rebuilder whose certificate does not verify — issued by a CA the
 * client was not told to trust (apt's `Acquire::https::CaInfo`), or issued for another
 * address than the one connected to (a machine in the middle with a valid certificate
 * of its own).
 *
 * Handled by: src/net/client.ts (TLS verification against the configured CAs, which
 * replace Node's bundled roots, as CaInfo does for apt) and src/net/errors.ts
 * (NET_TLS, not transient: retrying will not fix a certificate). The rebuilder is
 * `missing`, the package refused, and the check ends within the connect timeout.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCert, makeCA, type CertificateAuthority } from '../support/aptlab/index.js';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf, scratch } from './support/world.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
let trusted: CertificateAuthority;
let stranger: CertificateAuthority;
const worlds: FaultScenario[] = [];

beforeAll(async () => {
  tmp = await scratch('fault-tls');
  trusted = await makeCA(join(tmp.dir, 'trusted'));
  stranger = await makeCA(join(tmp.dir, 'stranger'));
});
afterAll(async () => {
  for (const w of worlds.splice(0)) await w.close();
  await tmp.remove();
});

async function tlsScenario(issuer: CertificateAuthority, ips: string[]): Promise<FaultScenario> {
  const cert = await issueCert(issuer, { ips, name: `${issuer === trusted ? 'trusted' : 'stranger'}-${ips.join('-')}` });
  const world = await faultScenario('fault-tls-world', { ca: trusted.cert, faulty: { tls: { cert: cert.cert, key: cert.key } } });
  worlds.push(world);
  return world;
}

describe('an https rebuilder whose certificate does not verify', () => {
  it('issued by a CA the client does not trust: missing, NET_TLS, not transient; refused', async () => {
    const s = await tlsScenario(stranger, ['127.0.0.1']);
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_TLS', transient: false });
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.connectTimeoutMs);
  });

  it('issued by the trusted CA for another address: missing, NET_TLS', async () => {
    const s = await tlsScenario(trusted, ['127.0.0.2']);
    const { value } = await checkScenario(s);
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_TLS', transient: false });
  });

  it('control: issued by the trusted CA for this address, the rebuilder agrees', async () => {
    const s = await tlsScenario(trusted, ['127.0.0.1']);
    expect(s.faulty.url.startsWith('https://')).toBe(true);
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('ACCEPTED');
  });
});
