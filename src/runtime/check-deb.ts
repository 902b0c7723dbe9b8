/**
 * Verifying one .deb file end to end: hash it (one streaming pass), confirm its
 * identity from its own control fields, gather the rebuilders' documents, decide.
 * Shared by `reprogate verify`, the apt method and the pre-install hook, so the
 * three cannot drift apart. Every failure ends in a refusal Verdict with a code;
 * nothing here throws.
 */
import { basename } from 'node:path';
import { openDebFile, type DebFile, type DebIdentity, type ExtraDigest, type FileDigests } from '../deb/index.js';
import { hasCode } from '../errors.js';
import { selectRule, type Policy } from '../policy/index.js';
import type { PackageQuery } from '../rebuilders/index.js';
import { decide, refusalVerdict, type Evidence, type PackageFacts, type Verdict } from '../verify/index.js';
import { collectEvidence, rememberMissing, type EvidenceSources } from './evidence.js';

export interface CheckContext {
  /** The loaded policy, or why it could not be loaded (then everything is refused). */
  readonly policy: Policy | Error;
  readonly sources: EvidenceSources;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
}

export interface CheckRequest {
  readonly path: string;
  /** Host of the repository the file came from; undefined for a local file. */
  readonly origin?: string | undefined;
  /** When `origin` is unknown: where to look it up once the sha256 is known (the hook asks the cache). */
  readonly originFor?: (sha256: string) => Promise<string | undefined>;
  /** From apt's signed index: the file must hash to this. */
  readonly expectedSha256?: string | undefined;
  /** What apt asked for (name, version with epoch, architecture): the control fields must agree. */
  readonly expected?: { readonly name: string; readonly version: string; readonly architecture: string } | undefined;
  /** Digests besides SHA-256 to compute (the method reports those apt's index lists). */
  readonly extraDigests?: readonly ExtraDigest[];
  /** Lookups started before the file arrived; used when their query matches the file. */
  readonly prefetched?: { readonly query: PackageQuery; readonly evidence: Promise<Map<string, Evidence>> } | undefined;
}

export interface CheckResult {
  readonly verdict: Verdict;
  /** Present whenever the file could be hashed: what apt must be told. */
  readonly digests?: FileDigests;
  readonly identity?: DebIdentity;
}

export async function checkDeb(req: CheckRequest, context: CheckContext): Promise<CheckResult> {
  let deb: DebFile;
  try {
    deb = await openDebFile(req.path);
  } catch (e) {
    return { verdict: refusalVerdict(unknownFacts(req), 'REFUSED_IDENTITY', `cannot read the file: ${describe(e)}`, context.now(), enforcing(context)) };
  }
  try {
    return await checkOpenDeb(deb, req, context);
  } finally {
    await deb.close().catch(() => undefined);
  }
}

/**
 * Whether a refusal stands. Audit mode never refuses, whatever the reason (the
 * verdict is still logged and warned about): an admin trying reprogate out must not
 * lose a package to it. Without a usable policy there is no audit mode to fall back
 * on (see refusalVerdict).
 */
function enforcing(context: CheckContext): boolean {
  return context.policy instanceof Error || context.policy.mode === 'enforce';
}

/** What is known of a package whose control fields could not be read. */
function unknownFacts(request: CheckRequest, sha256 = 'unknown'): PackageFacts {
  return {
    name: request.expected?.name ?? basename(request.path),
    version: request.expected?.version ?? 'unknown',
    architecture: request.expected?.architecture ?? 'unknown',
    sha256,
    origin: request.origin,
  };
}

async function checkOpenDeb(deb: DebFile, req: CheckRequest, context: CheckContext): Promise<CheckResult> {
  let request = req;
  let digests: FileDigests;
  try {
    digests = await deb.hash(request.extraDigests ?? []);
  } catch (e) {
    return { verdict: refusalVerdict(unknownFacts(request), 'REFUSED_IDENTITY', `cannot read the file: ${describe(e)}`, context.now(), enforcing(context)) };
  }
  if (request.expectedSha256 !== undefined && request.expectedSha256.toLowerCase() !== digests.sha256) {
    const detail = `sha256 ${digests.sha256} is not the ${request.expectedSha256.toLowerCase()} the signed index lists`;
    return { verdict: refusalVerdict(unknownFacts(request, digests.sha256), 'REFUSED_HASH_MISMATCH', detail, context.now(), enforcing(context)), digests };
  }

  const origin = request.origin ?? (await request.originFor?.(digests.sha256).catch(() => undefined));
  request = { ...request, origin };

  let identity: DebIdentity;
  try {
    identity = await deb.identity();
  } catch (e) {
    return { verdict: refusalVerdict(unknownFacts(request, digests.sha256), 'REFUSED_IDENTITY', `not a readable .deb: ${describe(e)}`, context.now(), enforcing(context)), digests };
  }
  const pkg: PackageFacts = { name: identity.package, version: identity.version, architecture: identity.architecture, sha256: digests.sha256, origin: request.origin };
  const exp = request.expected;
  if (exp && (exp.name !== identity.package || exp.version !== identity.version || exp.architecture !== identity.architecture)) {
    const detail = `its control fields say ${identity.package} ${identity.version} ${identity.architecture}, but apt asked for ${exp.name} ${exp.version} ${exp.architecture}`;
    return { verdict: refusalVerdict(pkg, 'REFUSED_IDENTITY', detail, context.now(), enforcing(context)), digests, identity };
  }
  if (context.policy instanceof Error) {
    return { verdict: refusalVerdict(pkg, 'REFUSED_POLICY', `the policy is unusable: ${describe(context.policy)}`, context.now()), digests, identity };
  }

  try {
    const query: PackageQuery = { name: identity.package, version: identity.version, architecture: identity.architecture, source: identity.source, sha256: digests.sha256 };
    const evidence = await evidenceFor(query, request, context, context.policy);
    return { verdict: decide(pkg, evidence, context.policy, context.now()), digests, identity };
  } catch (e) {
    return { verdict: refusalVerdict(pkg, 'REFUSED_INTERNAL', `unexpected error: ${describe(e)}`, context.now(), enforcing(context)), digests, identity };
  }
}

async function evidenceFor(query: PackageQuery, request: CheckRequest, context: CheckContext, policy: Policy): Promise<Map<string, Evidence>> {
  const rule = selectRule(policy, { name: query.name, origin: request.origin });
  const collectContext = { now: context.now(), origin: request.origin, ...(context.signal ? { signal: context.signal } : {}) };
  const collect = (rebuilders: typeof rule.rebuilders) => collectEvidence(query, rebuilders, context.sources, collectContext);

  const pre = request.prefetched;
  if (!pre || !sameArtifact(pre.query, query)) return collect(rule.rebuilders);
  const early = await pre.evidence;
  if (pre.query.source.name === query.source.name && pre.query.source.version === query.source.version) {
    await rememberMissing(query, early, context.sources, collectContext);
    return early;
  }
  // Started before the source was known: rebuilders that had nothing under the
  // binary's name may file it under its source package.
  const retry = rule.rebuilders.filter((r) => early.get(r.name)?.status !== 'found');
  return retry.length === 0 ? early : new Map([...early, ...(await collect(retry))]);
}

function sameArtifact(a: PackageQuery, b: PackageQuery): boolean {
  return a.name === b.name && a.version === b.version && a.architecture === b.architecture && a.sha256 === b.sha256;
}

function describe(e: unknown): string {
  if (hasCode(e)) return `${e.message} [${e.code}]`;
  return e instanceof Error ? e.message : String(e);
}
