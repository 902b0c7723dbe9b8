/**
 * Fault: the forward proxy every attestation fetch must go through (the Qubes updates
 * proxy: tinyproxy allowing CONNECT to port 443 only) refuses the tunnel to a
 * rebuilder on another port, or is not running at all.
 *
 * Handled by: src/net/proxy.ts (the proxy apt would use, here `Acquire::http::Proxy`)
 * and src/net/client.ts / errors.ts: a refused CONNECT is NET_PROXY, not transient
 * (the proxy's rules will not change on retry); an unreachable proxy is NET_PROXY,
 * transient. No fetch ever bypasses the proxy to go direct. The rebuilder is
 * `missing`, the package refused, quickly.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, issueCert, makeCA, startTinyproxy, type CertificateAuthority, type Tinyproxy } from '../support/aptlab/index.js';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf, scratch } from './support/world.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
let ca: CertificateAuthority;
let tinyproxy: Tinyproxy;
const worlds: FaultScenario[] = [];

beforeAll(async () => {
  tmp = await scratch('fault-proxy');
  ca = await makeCA(join(tmp.dir, 'ca'));
  tinyproxy = await startTinyproxy(join(tmp.dir, 'tinyproxy'), { connectPorts: [443] });
});
afterAll(async () => {
  for (const w of worlds.splice(0)) await w.close();
  await tinyproxy.close();
  await tmp.remove();
});

/** Both rebuilders over https on random ports, every fetch through `proxy`. */
async function throughProxy(proxy: string): Promise<FaultScenario> {
  const cert = await issueCert(ca, { ips: ['127.0.0.1'] });
  const world = await faultScenario('fault-proxy-world', {
    ca: ca.cert,
    faulty: { tls: { cert: cert.cert, key: cert.key } },
    config: { 'Acquire::http::Proxy': proxy },
  });
  worlds.push(world);
  return world;
}

describe('the proxy refuses or is gone', () => {
  it('tinyproxy configured like Qubes refuses CONNECT to a port other than 443: NET_PROXY, not transient; refused', async () => {
    const s = await throughProxy(tinyproxy.url);
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_PROXY', transient: false });
    expect(outcomeOf(value.verdict, 'faulty').reason).toBe(`proxy 127.0.0.1:${tinyproxy.port} answered 403`);
    // The plain-http rebuilder goes through the proxy too, in absolute form.
    expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
    expect(await tinyproxy.readLog()).toContain(`CONNECT 127.0.0.1:${s.faulty.port}`);
    expect(s.faulty.requests).toHaveLength(0);
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.headersTimeoutMs);
  });

  it('no proxy listening where apt says it is: NET_PROXY, transient; nothing goes direct', async () => {
    const s = await throughProxy(`http://127.0.0.1:${await freePort()}`);
    const { value, elapsedMs } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    for (const name of ['healthy', 'faulty']) {
      expect(outcomeOf(value.verdict, name)).toMatchObject({ status: 'missing', code: 'NET_PROXY', transient: true });
    }
    expect(s.faulty.requests).toHaveLength(0);
    expect(s.healthy.server.requests).toHaveLength(0);
    expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.connectTimeoutMs);
  });
});
