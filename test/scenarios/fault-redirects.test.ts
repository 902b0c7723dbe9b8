/**
 * Fault: redirects that lead nowhere or somewhere else — a loop, a chain longer than
 * the budget, another host, a downgrade from https to http, another scheme
 * (`file:`), credentials in the target.
 *
 * Handled by: src/net/targets.ts `nextHop` (a redirect budget, no loops, http(s)
 * only, no credentials, never https → http: NET_REDIRECT, not transient) and, for a
 * redirect to another host, by the signature: the client follows it (the bytes are
 * verified whoever serves them, which is what lets mirrors and caches serve
 * attestations), and src/verify/decide.ts counts the document only if the rebuilder's
 * own key signed it.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueCert, makeCA } from '../support/aptlab/index.js';
import { linkBody, makeSigner, signMetablock } from '../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../support/rebuilder-server.js';
import { checkScenario, faultScenario, FAULT_LIMITS, SLACK, type FaultScenario } from './support/network.js';
import { outcomeOf, scratch } from './support/world.js';

let s: FaultScenario;
let elsewhere: RebuilderServer;
beforeAll(async () => {
  s = await faultScenario('fault-redirects');
  // Another loopback host (all of 127/8 is loopback on Linux).
  elsewhere = await startRebuilderServer({ host: '127.0.0.2' });
});
afterAll(async () => {
  await elsewhere.close();
  await s.close();
});
afterEach(() => s.faulty.clearFaults());

async function expectRedirectRefused(reason: RegExp): Promise<void> {
  const { value, elapsedMs } = await checkScenario(s);
  expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
  expect(outcomeOf(value.verdict, 'healthy').status).toBe('agrees');
  expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_REDIRECT', transient: false });
  expect(outcomeOf(value.verdict, 'faulty').reason).toMatch(reason);
  expect(elapsedMs).toBeLessThan(SLACK * FAULT_LIMITS.headersTimeoutMs);
}

describe('redirects the client refuses', () => {
  it('a loop between two URLs', async () => {
    s.faulty.fault(s.route, { kind: 'redirect', to: `${s.faulty.url}loop` });
    s.faulty.fault('loop', { kind: 'redirect', to: `${s.faulty.url}${s.route}` });
    await expectRedirectRefused(/redirect loop/);
  });

  it('a chain longer than the budget (3)', async () => {
    s.faulty.fault(s.route, { kind: 'redirect', to: 'hop1' });
    for (let i = 1; i <= 4; i++) s.faulty.fault(`sources/hello/2.0-1/hop${i}`, { kind: 'redirect', to: `hop${i + 1}` });
    await expectRedirectRefused(/more than 3 redirects/);
  });

  it.each([
    ['file:///etc/passwd', /unsupported scheme file:/],
    ['ftp://127.0.0.1/attestation', /unsupported scheme ftp:/],
    ['http://user:secret@127.0.0.2/attestation', /credentials/],
  ])('to %s', async (to, reason) => {
    s.faulty.fault(s.route, { kind: 'redirect', to });
    await expectRedirectRefused(reason);
  });
});

describe('a redirect to another host', () => {
  it("serving a document not signed by the rebuilder's key: invalid, never counted", async () => {
    elsewhere.addSourcesMetadata('moved', '1', signMetablock(linkBody({ products: { [s.deb.fileName]: s.deb.sha256 } }), [makeSigner()]));
    s.faulty.fault(s.route, { kind: 'redirect', to: `${elsewhere.url}sources/moved/1/metadata` });
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('REFUSED_BELOW_THRESHOLD');
    expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'invalid', code: 'SIGNATURE_NONE_TRUSTED' });
    expect(elsewhere.requests).not.toHaveLength(0);
  });

  it("serving the rebuilder's own signed document (a mirror of it): counts, because the signature decides", async () => {
    elsewhere.addSourcesMetadata('mirror', '1', signMetablock(linkBody({ products: { [s.deb.fileName]: s.deb.sha256 } }), [s.faultySigner]));
    s.faulty.fault(s.route, { kind: 'redirect', to: `${elsewhere.url}sources/mirror/1/metadata`, status: 301 });
    const { value } = await checkScenario(s);
    expect(value.verdict.code).toBe('ACCEPTED');
  });
});

describe('a redirect from https down to http', () => {
  it('is refused: a network attacker could answer the plain-http hop', async () => {
    const tmp = await scratch('fault-downgrade');
    try {
      const ca = await makeCA(join(tmp.dir, 'ca'));
      const cert = await issueCert(ca, { ips: ['127.0.0.1'] });
      const secure = await faultScenario('fault-downgrade-world', { ca: ca.cert, faulty: { tls: { cert: cert.cert, key: cert.key } } });
      try {
        secure.faulty.fault(secure.route, { kind: 'redirect', to: `${s.faulty.url}${s.route}` });
        s.faulty.clearLog();
        const { value } = await checkScenario(secure);
        expect(secure.faulty.url.startsWith('https://')).toBe(true);
        expect(outcomeOf(value.verdict, 'faulty')).toMatchObject({ status: 'missing', code: 'NET_REDIRECT', transient: false });
        expect(outcomeOf(value.verdict, 'faulty').reason).toMatch(/https downgraded/);
        expect(s.faulty.requestsTo(s.route)).toHaveLength(0);
      } finally {
        await secure.close();
      }
    } finally {
      await tmp.remove();
    }
  });
});
