/**
 * The one way to get an adapter for a rebuilder named in the policy. Throws
 * RebuilderError (REBUILDER_BAD_ENDPOINT, REBUILDER_BAD_NAME) for an endpoint that
 * cannot work, so a policy mistake shows up when the policy is loaded, not as a
 * "missing" on every package.
 */
import { contextOf, type AdapterDeps } from './context.js';
import { directoryAdapter } from './directory.js';
import { RebuilderError } from './errors.js';
import { rebuilderdAdapter } from './rebuilderd.js';
import { sourcesAdapter } from './sources.js';
import type { RebuilderAdapter, RebuilderEndpoint } from './types.js';

export function createAdapter(endpoint: RebuilderEndpoint, deps: AdapterDeps = {}): RebuilderAdapter {
  const context = contextOf(deps);
  switch (endpoint.type) {
    case 'rebuilderd':
      return rebuilderdAdapter(endpoint, context);
    case 'sources':
      return sourcesAdapter(endpoint, context);
    case 'directory':
      return directoryAdapter(endpoint, context);
    default:
      throw new RebuilderError('REBUILDER_BAD_ENDPOINT', `unknown rebuilder type ${JSON.stringify((endpoint as { type: unknown }).type)}`);
  }
}
