/**
 * rebuilderd (reproduce.debian.net and the community instances): find the builds of
 * an exact binary package, then fetch each build's in-toto attestation.
 *
 *   v1: GET {base}api/v1/packages/binary?name=&version=&architecture=
 *       → {"records":[{name, version, architecture, status, build_id, artifact_id}]}
 *       → GET {base}api/v1/builds/{build_id}/artifacts/{artifact_id}/attestation
 *   v0 (an instance that answers 404 to the v1 search; rebuilderd before 0.26):
 *       GET {base}api/v0/pkgs/list?name=&architecture=
 *       → [{name, version, architecture, status, build_id, has_attestation}]
 *       → GET {base}api/v0/builds/{build_id}/attestation (first artifact only)
 *
 * Only GOOD records are followed (rebuilderd signs only bit-identical rebuilds), only
 * records whose name, version (epoch included) and architecture equal the query —
 * whatever the server chose to filter — and at most `maxRecords` builds, newest first.
 *
 * Also `fetchPublicKeys`: the instance's published signing keys, for `policy
 * add-rebuilder` (trust on first use; the admin confirms the fingerprint).
 *
 * EDGE. Deliberately not here: verifying anything; the documents are raw bytes.
 */
import type { HttpGetter, HttpResponse } from '../net/client.js';
import { networkOf, type AdapterContext } from './context.js';
import { networkBase } from './endpoints.js';
import { isNotFound, lookupSafely, missing, missingFrom, RebuilderError } from './errors.js';
import { checkQuery } from './identity.js';
import { mapBounded } from '../parallel.js';
import type { FetchedDocument, LookupResult, PackageQuery, RebuilderAdapter, RebuilderEndpoint } from './types.js';

interface Build {
  buildId: number;
  artifactId: number | undefined;
}

export function rebuilderdAdapter(endpoint: RebuilderEndpoint, context: AdapterContext): RebuilderAdapter {
  const base = networkBase(endpoint.url);
  const { limits } = context;

  return {
    lookup: (query, signal) =>
      lookupSafely(async (): Promise<LookupResult> => {
        checkQuery(query);
        const http = networkOf(context);
        const get = (url: URL, maxBytes: number): Promise<HttpResponse> =>
          http.boundedGet(url, { maxBytes, accept: 'application/json', ...(signal === undefined ? {} : { signal }) });

        const builds = await findBuilds(query, base, (url) => get(url, limits.maxIndexBytes));
        if (builds.length === 0) {
          return missing('REBUILDER_NOT_FOUND', `no GOOD build of ${query.name} ${query.version} ${query.architecture}`, false);
        }
        const fetched = await mapBounded(builds.slice(0, limits.maxRecords), limits.parallel, async (build) => {
          try {
            const response = await get(attestationUrl(base, build), limits.maxDocumentBytes);
            return { document: { url: response.url, bytes: response.bytes } satisfies FetchedDocument };
          } catch (error) {
            return { error };
          }
        });
        const documents = fetched.flatMap((f) => ('document' in f ? [f.document] : []));
        if (documents.length > 0) return { status: 'found', documents };
        const failures = fetched.flatMap((f) => ('error' in f ? [f.error] : []));
        const lasting = failures.find((e) => !isNotFound(e));
        return lasting === undefined
          ? missing('REBUILDER_NOT_FOUND', 'GOOD build has no attestation (HTTP 404)', false)
          : missingFrom(lasting);
      }),
  };
}

async function findBuilds(query: PackageQuery, base: URL, get: (url: URL) => Promise<HttpResponse>): Promise<Build[]> {
  let answer: HttpResponse;
  try {
    answer = await get(apiUrl(base, 'api/v1/packages/binary', { name: query.name, version: query.version, architecture: query.architecture }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return findBuildsV0(query, base, get);
  }
  return buildsFromV1(parseJson(answer.bytes, 'package search'), query);
}

async function findBuildsV0(query: PackageQuery, base: URL, get: (url: URL) => Promise<HttpResponse>): Promise<Build[]> {
  let answer: HttpResponse;
  try {
    answer = await get(apiUrl(base, 'api/v0/pkgs/list', { name: query.name, architecture: query.architecture }));
  } catch (e) {
    if (isNotFound(e)) throw new RebuilderError('REBUILDER_NOT_FOUND', 'HTTP 404 from both the v1 and the v0 API');
    throw e;
  }
  return buildsFromV0(parseJson(answer.bytes, 'package list'), query);
}

function buildsFromV1(answer: unknown, query: PackageQuery): Build[] {
  const records = isObject(answer) ? answer['records'] : undefined;
  if (!Array.isArray(records)) throw badResponse('package search answer has no "records" list');
  const builds: Build[] = [];
  for (const record of records) {
    if (!isObject(record)) throw badResponse('package search record is not an object');
    if (!sameBinary(record, query) || record['status'] !== 'GOOD') continue;
    const buildId = record['build_id'];
    const artifactId = record['artifact_id'];
    if (isId(buildId) && isId(artifactId)) builds.push({ buildId, artifactId });
  }
  return newestFirst(builds);
}

function buildsFromV0(answer: unknown, query: PackageQuery): Build[] {
  if (!Array.isArray(answer)) throw badResponse('package list answer is not a list');
  const builds: Build[] = [];
  for (const record of answer) {
    if (!isObject(record)) throw badResponse('package list entry is not an object');
    if (!sameBinary(record, query) || record['status'] !== 'GOOD' || record['has_attestation'] === false) continue;
    const buildId = record['build_id'];
    if (isId(buildId)) builds.push({ buildId, artifactId: undefined });
  }
  return newestFirst(builds);
}

/** Exact equality: a record for `2.0-1` is not one for `1:2.0-1`. */
function sameBinary(record: Record<string, unknown>, query: PackageQuery): boolean {
  return record['name'] === query.name && record['version'] === query.version && record['architecture'] === query.architecture;
}

function newestFirst(builds: Build[]): Build[] {
  const unique = new Map(builds.map((b) => [`${b.buildId}/${b.artifactId ?? ''}`, b]));
  return [...unique.values()].sort((a, b) => b.buildId - a.buildId || (a.artifactId ?? 0) - (b.artifactId ?? 0));
}

function attestationUrl(base: URL, build: Build): URL {
  return build.artifactId === undefined
    ? new URL(`api/v0/builds/${build.buildId}/attestation`, base)
    : new URL(`api/v1/builds/${build.buildId}/artifacts/${build.artifactId}/attestation`, base);
}

/** Query parameters in a fixed order, so repeated lookups hit the same cache entries upstream. */
function apiUrl(base: URL, path: string, params: Record<string, string>): URL {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  return url;
}

const MAX_KEYS = 16;
const MAX_KEY_CHARS = 16 * 1024;

export interface PublicKeyFetchOptions {
  http: HttpGetter;
  signal?: AbortSignal;
  maxBytes?: number;
}

/**
 * The instance's current public keys as PEM strings (`{"current":[...]}`; the
 * OpenAPI file says a string, the code sends a list: both are accepted). Throws
 * NetError for transport failures and RebuilderError for everything else.
 */
export async function fetchPublicKeys(url: string, options: PublicKeyFetchOptions): Promise<string[]> {
  const base = networkBase(url);
  const get = (path: string): Promise<HttpResponse> =>
    options.http.boundedGet(new URL(path, base), {
      maxBytes: options.maxBytes ?? 256 * 1024,
      accept: 'application/json',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  let answer: HttpResponse;
  try {
    answer = await get('api/v1/meta/public-keys');
  } catch (e) {
    if (!isNotFound(e)) throw e;
    try {
      answer = await get('api/v0/public-keys');
    } catch (e0) {
      if (isNotFound(e0)) throw new RebuilderError('REBUILDER_NOT_FOUND', `${base.href} publishes no public keys (HTTP 404 from v1 and v0)`);
      throw e0;
    }
  }
  const parsed = parseJson(answer.bytes, 'public keys');
  const current = isObject(parsed) ? parsed['current'] : undefined;
  const keys = typeof current === 'string' ? [current] : current;
  if (!Array.isArray(keys)) throw badResponse('public keys answer has no "current" list');
  if (keys.length === 0) throw new RebuilderError('REBUILDER_NO_KEYS', `${base.href} lists no current public key`);
  if (keys.length > MAX_KEYS) throw badResponse(`public keys answer lists ${keys.length} keys, more than ${MAX_KEYS}`);
  return keys.map((key) => {
    if (typeof key !== 'string' || key.length > MAX_KEY_CHARS || !/-----BEGIN PUBLIC KEY-----[\s\S]*-----END PUBLIC KEY-----/.test(key)) {
      throw badResponse('public keys answer holds something that is not a PEM public key');
    }
    return key;
  });
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    throw badResponse(`${what} answer is not JSON`);
  }
}

function badResponse(reason: string): RebuilderError {
  return new RebuilderError('REBUILDER_BAD_RESPONSE', reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
