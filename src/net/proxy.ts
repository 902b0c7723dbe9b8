/**
 * Which proxy an attestation fetch goes through: the one apt itself would use for the
 * same URL, so that a Qubes template (no network but `Acquire::http::Proxy
 * "http://127.0.0.1:8082/"`) reaches rebuilders the way apt reaches the mirror.
 *
 * Order (methods/http.cc and basehttp.cc in apt, where `ConfigFind` tries the
 * method's own name and then `http`):
 *   1. `Reprogate::Proxy` — ours, overrides everything;
 *   2. `Acquire::<scheme>::Proxy::<host>`, for https then `Acquire::http::Proxy::<host>`;
 *   3. `Acquire::<scheme>::Proxy`, for https then `Acquire::http::Proxy`;
 *   4. the environment: `http_proxy`, for https `https_proxy` first (apt falls back to
 *      `http_proxy` for https too). Lower case wins over upper case.
 * `DIRECT` at any level means no proxy. As in apt, `no_proxy` turns any proxy from
 * steps 2–4 off for the hosts it lists (never step 1, which the admin set for us).
 *
 * PURE: no I/O; the caller hands in apt's configuration and the environment.
 * Deliberately not supported: `Acquire::http::Proxy-Auto-Detect` (runs a program),
 * SOCKS proxies (reported as an unsupported proxy by the client), CIDR in `no_proxy`.
 */

/** Read access to apt's configuration; keys are case-insensitive, as in apt. */
export interface AptConfigView {
  get(key: string): string | undefined;
}

export type ProxyChoice = { kind: 'direct' } | { kind: 'proxy'; url: string };

export type Environment = Readonly<Record<string, string | undefined>>;

const DIRECT: ProxyChoice = { kind: 'direct' };

export function resolveProxy(url: URL, config: AptConfigView, env: Environment): ProxyChoice {
  const override = nonEmpty(config.get('Reprogate::Proxy'));
  if (override !== undefined) return choiceOf(override);

  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = hostOf(url);
  const methodNames = scheme === 'https' ? ['https', 'http'] : [scheme];
  const configured =
    firstSet(methodNames.map((name) => `Acquire::${name}::Proxy::${host}`), config) ??
    firstSet(methodNames.map((name) => `Acquire::${name}::Proxy`), config);
  const chosen = configured ?? proxyFromEnvironment(scheme, env);
  if (chosen === undefined) return DIRECT;

  const noProxy = envValue(env, 'no_proxy');
  if (noProxy !== undefined && hostMatchesNoProxy(host, noProxy)) return DIRECT;
  return choiceOf(chosen);
}

function proxyFromEnvironment(scheme: string, env: Environment): string | undefined {
  if (scheme === 'https') return envValue(env, 'https_proxy') ?? envValue(env, 'http_proxy');
  if (scheme === 'http') return envValue(env, 'http_proxy');
  return undefined;
}

/**
 * `no_proxy` as curl reads it: comma- or space-separated names; `*` matches every
 * host; a name matches itself and its subdomains (a leading `.` or `*.` is optional).
 * apt matches any suffix ("example.org" would also cover "badexample.org"); we keep
 * to label boundaries.
 */
export function hostMatchesNoProxy(host: string, list: string): boolean {
  const target = host.toLowerCase();
  for (const raw of list.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    entry = entry.replace(/^\*?\./, '');
    entry = stripPort(entry).replace(/^\[(.*)\]$/, '$1');
    if (entry === '') continue;
    if (target === entry || target.endsWith(`.${entry}`)) return true;
  }
  return false;
}

function stripPort(entry: string): string {
  const bracketed = /^(\[[^\]]*\])(?::\d+)?$/.exec(entry);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  // One colon is host:port; more are a bare IPv6 address.
  const colons = entry.split(':').length - 1;
  return colons === 1 ? entry.slice(0, entry.indexOf(':')) : entry;
}

/** The host as apt names it in config keys: no port, no IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function choiceOf(value: string): ProxyChoice {
  if (value === 'DIRECT') return DIRECT;
  // curl and most tools take "host:port" to mean an http proxy.
  return { kind: 'proxy', url: /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}` };
}

function firstSet(keys: readonly string[], config: AptConfigView): string | undefined {
  for (const key of keys) {
    const value = nonEmpty(config.get(key));
    if (value !== undefined) return value;
  }
  return undefined;
}

function envValue(env: Environment, lowerName: string): string | undefined {
  return nonEmpty(env[lowerName]) ?? nonEmpty(env[lowerName.toUpperCase()]);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
