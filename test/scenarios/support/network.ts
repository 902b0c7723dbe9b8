/**
 * The network side of the fault scenarios: loopback rebuilders (test/support/
 * rebuilder-server.ts) reached by the program's own bounded HTTP client and adapters,
 * with SHORT configured timeouts, and the program's own `checkDeb` on a real .deb.
 * Each check is timed and the process's resident memory sampled while it runs, so a
 * scenario can assert that a hostile rebuilder neither holds a check for long nor
 * fills memory.
 *
 * The bounds asserted are generous multiples of the configured timeouts: they
 * catch a hang or an unbounded read, they are not benchmarks.
 */
import { createHttpClient, type HttpClient, type NetLimits } from '../../../src/net/index.js';
import type { AptConfigView, Environment } from '../../../src/net/index.js';
import type { Policy } from '../../../src/policy/index.js';
import { createAdapter, type RebuilderAdapter } from '../../../src/rebuilders/index.js';
import type { CheckRequest, CheckResult } from '../../../src/runtime/check-deb.js';
import type { BuiltDeb } from '../../support/aptlab/index.js';
import { linkBody, makeSigner, rebuilderdAttestation, signMetablock, type TestSigner } from '../../support/intoto-sign.js';
import { policyFrom } from '../../support/policy-fixture.js';
import { startRebuilderServer, type RebuilderServer, type RebuilderServerOptions } from '../../support/rebuilder-server.js';
import { check, NOW, policyYaml, realDeb, scratch } from './world.js';

/**
 * Short on purpose: fault tests must not wait for the production defaults (15–60 s).
 * undici checks its headers and body timeouts on a timer wheel that ticks every
 * ~500 ms, so a 500 ms timeout fires after 500–1500 ms; SLACK leaves room for that.
 */
export const FAULT_LIMITS = {
  connectTimeoutMs: 500,
  headersTimeoutMs: 500,
  bodyTimeoutMs: 500,
  deadlineMs: 1000,
  maxRedirects: 3,
} as const satisfies Partial<NetLimits>;

/** How much longer than its configured timeout a failure may take to be reported. */
export const SLACK = 5;
/** Resident memory a single check may add, whatever a rebuilder sends. */
export const MAX_RSS_GROWTH = 64 * 1024 * 1024;

export interface Measured<T> {
  readonly value: T;
  readonly elapsedMs: number;
  /** Highest resident set size seen while it ran, minus the size when it started. */
  readonly rssGrowth: number;
}

/** Runs `work`, timing it and sampling the process's RSS every 5 ms. */
export async function measured<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  try {
    const value = await work();
    const elapsedMs = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, elapsedMs, rssGrowth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

export interface HttpWorldOptions {
  readonly limits?: Partial<NetLimits>;
  /** Trusted CAs (PEM); without it, only Node's bundled roots, which trust no test CA. */
  readonly ca?: string;
  /** apt configuration the client reads (proxies). */
  readonly config?: Readonly<Record<string, string>>;
  readonly env?: Environment;
}

/**
 * The HTTP client and adapters the program builds from a policy (as
 * src/runtime/runtime.ts does), and `check` through them. `close` ends the client.
 */
export interface HttpWorld {
  readonly http: HttpClient;
  check(request: CheckRequest, policy: Policy): Promise<Measured<CheckResult>>;
  close(): Promise<void>;
}

export function httpWorld(options: HttpWorldOptions = {}): HttpWorld {
  const settings = options.config ?? {};
  const config: AptConfigView = { get: (key) => Object.entries(settings).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1] };
  const http = createHttpClient({
    config,
    env: options.env ?? {},
    limits: { ...FAULT_LIMITS, ...options.limits },
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  return {
    http,
    check: (request, policy) => {
      const adapters = new Map<string, RebuilderAdapter>();
      for (const r of policy.rebuilders) {
        adapters.set(r.name, createAdapter({ name: r.name, type: r.type, url: r.type === 'directory' ? r.directory : r.url }, { http }));
      }
      return measured(() => check(request, { policy, adapters }));
    },
    close: () => http.close(),
  };
}

export interface HealthyRebuilder {
  readonly server: RebuilderServer;
  readonly signer: TestSigner;
}

/**
 * A rebuilderd instance that behaves: it serves a genuine attestation of the package,
 * so a scenario shows that one rebuilder's fault leaves the others' answers intact.
 */
export async function healthyRebuilder(
  deb: { readonly fileName: string; readonly sha256: string; readonly spec: { readonly name: string; readonly version: string; readonly architecture: string } },
  options: RebuilderServerOptions = {},
): Promise<HealthyRebuilder> {
  const signer = makeSigner();
  const server = await startRebuilderServer(options);
  server.addPackage({ ...deb.spec, attestations: [rebuilderdAttestation(deb.fileName, deb.sha256, signer)] });
  return { server, signer };
}

export interface FaultScenario {
  readonly deb: BuiltDeb;
  /** A well-behaved rebuilderd instance, `healthy` in the policy. */
  readonly healthy: HealthyRebuilder;
  /** A sources-tree rebuilder, `faulty` in the policy, serving a genuine link until told to misbehave. */
  readonly faulty: RebuilderServer;
  readonly faultySigner: TestSigner;
  /** threshold 2 over `healthy` and `faulty`: a fault leaves the package refused, with a reason. */
  readonly policy: Policy;
  readonly world: HttpWorld;
  /** The faulty rebuilder's metadata route, as the fault routes name it. */
  readonly route: string;
  close(): Promise<void>;
}

export interface FaultScenarioOptions extends HttpWorldOptions {
  /** Options for the faulty server (TLS, host). */
  readonly faulty?: RebuilderServerOptions;
  /** Rebuilder URL in the policy, when it is not the faulty server's own (a DNS name, a proxy-only address). */
  readonly faultyUrl?: (server: RebuilderServer) => string;
}

/** A real .deb, a healthy and a faulty loopback rebuilder, the policy naming both, and the HTTP world. */
export async function faultScenario(prefix: string, options: FaultScenarioOptions = {}): Promise<FaultScenario> {
  const tmp = await scratch(prefix);
  const closers: (() => Promise<void>)[] = [() => tmp.remove()];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
    const healthy = await healthyRebuilder(deb);
    closers.push(() => healthy.server.close());
    const faultySigner = makeSigner();
    const faulty = await startRebuilderServer(options.faulty);
    closers.push(() => faulty.close());
    faulty.addSourcesMetadata('hello', '2.0-1', signMetablock(linkBody({ products: { [deb.fileName]: deb.sha256 } }), [faultySigner]));
    const yaml = policyYaml({
      threshold: 2,
      rebuilders: [
        { name: 'healthy', type: 'rebuilderd', url: healthy.server.url, keys: ['keys/healthy.pem'] },
        { name: 'faulty', type: 'sources', url: options.faultyUrl?.(faulty) ?? faulty.url, keys: ['keys/faulty.pem'] },
      ],
    });
    const policy = await policyFrom(yaml, { 'keys/healthy.pem': healthy.signer.rebuilderdPem, 'keys/faulty.pem': faultySigner.rebuilderdPem }, NOW);
    const world = httpWorld(options);
    closers.push(() => world.close());
    return { deb, healthy, faulty, faultySigner, policy, world, route: 'sources/hello/2.0-1/metadata', close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The check apt's method makes for the scenario's .deb. */
export function checkScenario(s: FaultScenario): Promise<Measured<CheckResult>> {
  return s.world.check({ path: s.deb.path, expected: { name: 'hello', version: '2.0-1', architecture: 'amd64' }, expectedSha256: s.deb.sha256 }, s.policy);
}
