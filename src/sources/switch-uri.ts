/**
 * Which URIs `reprogate enable` and `disable` switch, and the result types both sources
 * formats share. Only apt's own http method schemes are switched: `http` and `https`
 * become `reprogate+http` and `reprogate+https` and back. Every other scheme (file:,
 * cdrom:, copy:, tor+http:, mirror+https:, ...) is kept and reported, because apt
 * fetches those without our method; their .debs meet only the Pre-Install-Pkgs hook.
 *
 * apt takes the scheme as the exact text before the first ":" (URI::CopyFrom) and
 * looks the method up by that name, so matching is exact and case-sensitive.
 */
export type SourcesDirection = 'enable' | 'disable';

/** One URI that was (or, in a dry run, would be) rewritten. */
export interface UriChange {
  /** 1-based line of the URI in its file. */
  readonly line: number;
  readonly oldUri: string;
  readonly newUri: string;
  /** False for a deb822 stanza with `Enabled: no`: rewritten too, but apt skips it today. */
  readonly enabled: boolean;
}

/** A URI of a scheme we never switch (its packages bypass the method). */
export interface KeptUri {
  readonly line: number;
  readonly uri: string;
  readonly scheme: string;
  readonly enabled: boolean;
}

export interface SourcesRewrite {
  readonly text: string;
  readonly changes: readonly UriChange[];
  readonly kept: readonly KeptUri[];
}

export const REPROGATE_PREFIX = 'reprogate+';

const SWITCHED_SCHEMES: readonly string[] = ['http', 'https'];

export type SchemePlan =
  /** Rewrite: insert or remove REPROGATE_PREFIX in front of the scheme. */
  | 'switch'
  /** Already in the state the direction asks for. */
  | 'done'
  /** A scheme we never touch. */
  | 'other';

export function planScheme(scheme: string, direction: SourcesDirection): SchemePlan {
  const plain = SWITCHED_SCHEMES.includes(scheme);
  const gated = scheme.startsWith(REPROGATE_PREFIX) && SWITCHED_SCHEMES.includes(scheme.slice(REPROGATE_PREFIX.length));
  if (!plain && !gated) return 'other';
  return plain === (direction === 'enable') ? 'switch' : 'done';
}

/** The URI as `direction` wants it; only call it for a URI whose plan is 'switch'. */
export function switchedUri(uri: string, direction: SourcesDirection): string {
  return direction === 'enable' ? REPROGATE_PREFIX + uri : uri.slice(REPROGATE_PREFIX.length);
}

/** apt's scheme: the text before the first ":", or undefined when there is none. */
export function schemeOf(uri: string): string | undefined {
  const colon = uri.indexOf(':');
  return colon < 0 ? undefined : uri.slice(0, colon);
}

/** Applies `[position, insert or delete]` edits to one line, rightmost first. */
export function spliceLine(line: string, edits: readonly (readonly [at: number, edit: string | number])[]): string {
  let out = line;
  for (const [at, edit] of [...edits].sort((a, b) => b[0] - a[0])) {
    out = typeof edit === 'string' ? out.slice(0, at) + edit + out.slice(at) : out.slice(0, at) + out.slice(at + edit);
  }
  return out;
}

/** The edit that switches a URI whose scheme starts at `at` in its line. */
export function switchEdit(at: number, direction: SourcesDirection): readonly [number, string | number] {
  return direction === 'enable' ? [at, REPROGATE_PREFIX] : [at, REPROGATE_PREFIX.length];
}
