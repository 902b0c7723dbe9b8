/**
 * Where a rebuilder lives, as something requests can be resolved against: a network
 * base URL with a trailing slash (so `api/v1/...` lands under `/amd64/`, not beside
 * it), or an absolute local folder for the `directory` type.
 *
 * PURE. Deliberately not here: resolving relative folders (the policy loader knows
 * what they are relative to).
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RebuilderError } from './errors.js';

export function networkBase(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new RebuilderError('REBUILDER_BAD_ENDPOINT', `rebuilder URL ${JSON.stringify(url)} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new RebuilderError('REBUILDER_BAD_ENDPOINT', `rebuilder URL ${base.href} must be http:// or https://`);
  }
  if (base.username !== '' || base.password !== '') {
    throw new RebuilderError('REBUILDER_BAD_ENDPOINT', 'rebuilder URLs may not carry credentials');
  }
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return base;
}

export function localFolder(url: string): string {
  let folder = url;
  if (url.startsWith('file:')) {
    try {
      folder = fileURLToPath(url);
    } catch {
      throw new RebuilderError('REBUILDER_BAD_ENDPOINT', `directory rebuilder URL ${JSON.stringify(url)} is not a usable file: URL`);
    }
  }
  if (!isAbsolute(folder) || folder.includes('\0')) {
    throw new RebuilderError('REBUILDER_BAD_ENDPOINT', `directory rebuilder ${JSON.stringify(url)} must be an absolute path or a file: URL`);
  }
  return folder;
}
