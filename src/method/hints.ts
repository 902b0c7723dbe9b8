/**
 * What a `600 URI Acquire` already says about the package, before a byte has
 * arrived: name, version (with epoch) and architecture from the file name apt
 * chose (`name_1%3a2.0-1_amd64.deb` in `partial/`, epoch quoted as apt quotes
 * it; pool names carry no epoch), the sha256 from the signed index, and the
 * repository host (`Target-Site`, falling back to the URI). Hints start lookups early; the .deb's own control fields have
 * the last word. PURE.
 */
import { posix } from 'node:path';
import { parseDebFileName } from '../deb/index.js';
import type { AcquireItem } from '../apt/index.js';

export interface AcquireHints {
  readonly name?: string;
  readonly version?: string;
  readonly architecture?: string;
  readonly sha256?: string;
  /** Host (and port) of the repository URI. */
  readonly origin?: string;
}

export function hintsFrom(item: AcquireItem): AcquireHints {
  const sha256 = item.expected.sha256?.toLowerCase();
  // The repository's site as sources.list names it: after a redirect the URI names
  // the mirror or CDN that answered, and origin rules are about the repository.
  const site = item.fields.find(([name]) => name.toLowerCase() === 'target-site')?.[1];
  const origin = originOf(site ?? item.uri);
  const parts = tryParse(posix.basename(item.filename)) ?? tryParse(decodeURIComponentSafe(posix.basename(uriPath(item.uri))));
  return {
    ...(parts ? { name: parts.name, version: parts.version, architecture: parts.architecture } : {}),
    ...(sha256 !== undefined ? { sha256 } : {}),
    ...(origin !== undefined ? { origin } : {}),
  };
}

function tryParse(basename: string): { name: string; version: string; architecture: string } | undefined {
  try {
    return parseDebFileName(basename);
  } catch {
    return undefined;
  }
}

/** `reprogate+https://host:8443/debian/...` → `host:8443`; policy origin rules ignore the port. */
export function originOf(uri: string): string | undefined {
  const m = /^[a-z0-9+.-]+:\/\/([^/?#]+)/i.exec(uri);
  if (!m) return undefined;
  return m[1]!.replace(/^[^@]*@/, '').toLowerCase();
}

function uriPath(uri: string): string {
  return uri.replace(/^[a-z0-9+.-]+:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
