/**
 * Which URLs the client agrees to fetch: the one it is given and every redirect hop,
 * all held to the same rules. Only http and https; no credentials in URLs (they would
 * be sent to whoever a redirect points at); never from https down to http (a network
 * attacker could then answer in the clear); a bounded number of hops and no loops.
 *
 * PURE. Deliberately not here: any policy about which hosts may be redirected to —
 * the bytes fetched are verified by signature, and the final URL is reported.
 */
import { NetError } from './errors.js';

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export function parseRequestUrl(input: string | URL): URL {
  const text = String(input);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl(`invalid URL`, text);
  }
  checkUsable(url, (reason) => badUrl(reason, withoutCredentials(url)));
  url.hash = '';
  return url;
}

/**
 * The URL a redirect leads to, after `redirectsSoFar` earlier ones, or a NET_REDIRECT
 * error saying why it is refused. `visited` holds the hrefs already requested.
 */
export function nextHop(
  current: URL,
  location: string | undefined,
  redirectsSoFar: number,
  maxRedirects: number,
  visited: ReadonlySet<string>,
): URL {
  const refuse = (reason: string): NetError =>
    new NetError({ code: 'NET_REDIRECT', reason, url: current.href, transient: false });
  if (redirectsSoFar >= maxRedirects) throw refuse(`more than ${maxRedirects} redirects`);
  if (location === undefined || location.trim() === '') throw refuse('redirect without a Location');
  let next: URL;
  try {
    next = new URL(location.trim(), current);
  } catch {
    throw refuse('redirect to an invalid URL');
  }
  checkUsable(next, (reason) => refuse(`redirect refused: ${reason}`));
  if (current.protocol === 'https:' && next.protocol === 'http:') {
    throw refuse(`redirect refused: https downgraded to ${next.origin}`);
  }
  next.hash = '';
  if (visited.has(next.href)) throw refuse('redirect loop');
  return next;
}

function checkUsable(url: URL, fail: (reason: string) => NetError): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail(`unsupported scheme ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') throw fail('credentials in URLs are not supported');
  if (url.hostname === '') throw fail('no host');
}

function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function badUrl(reason: string, url: string): NetError {
  return new NetError({ code: 'NET_BAD_URL', reason, url, transient: false });
}
