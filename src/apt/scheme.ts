/**
 * Our apt schemes (`reprogate+http`, `reprogate+https`) and the one rule that keeps
 * a download inside them: apt sends a redirected item to whatever method serves the
 * scheme of `New-URI` (research note §2.1, §7.1), so a redirect out of our scheme
 * would let the package reach the cache through a method that does not gate it.
 *
 * apt's http method, started under our scheme name, already re-attaches our prefix
 * to a redirect and refuses other scheme changes (basehttp.cc); this check repeats
 * that rule on our side so the gate does not depend on it. Pure.
 */
import { AptRelayError } from './errors.js';

/** `<prefix>+http` or `<prefix>+https`, the names apt's http method understands. */
const METHOD_SCHEME = /^[a-z][a-z0-9.-]*\+https?$/;

/**
 * The scheme a method serves, from the name it was invoked as (the basename of the
 * script path: apt runs the symlink named after the scheme, and a shebang script
 * sees that path, never apt's argv[0]).
 */
export function methodScheme(invokedAs: string): string {
  const name = invokedAs.slice(invokedAs.lastIndexOf('/') + 1);
  if (!METHOD_SCHEME.test(name)) {
    throw new AptRelayError(
      'APT_RELAY_SCHEME',
      `cannot tell the apt scheme from the name "${name.slice(0, 80)}": install the method as ` +
        '/usr/lib/apt/methods/reprogate+http and reprogate+https',
    );
  }
  return name;
}

/**
 * Whether a redirect target stays ours: the same scheme, or the upgrade from
 * `x+http` to `x+https` that apt's http method also allows. Compared exactly, as
 * apt picks the method binary by the literal scheme.
 */
export function staysInScheme(scheme: string, uri: string): boolean {
  const colon = uri.indexOf(':');
  if (colon <= 0) return false;
  const target = uri.slice(0, colon);
  return target === scheme || (scheme.endsWith('+http') && target === `${scheme}s`);
}
