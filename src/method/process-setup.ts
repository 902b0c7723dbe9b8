/**
 * What the method process does as soon as apt's configuration arrives, whether or
 * not a package follows: drop root (apt leaves that to each method, as its own
 * methods do it) and let Node's warnings through under Debug::Reprogate. Apart from
 * the gate (gate.ts), which is loaded only when the first package is asked for: a run
 * that fetches only index files must still end up as `_apt`.
 */
import type { AptConfig, RelayLog } from '../apt/index.js';
import { showNodeWarnings } from '../node-warnings.js';
import { dropPrivileges } from '../runtime/privileges.js';

export function setUpMethodProcess(config: AptConfig, log: RelayLog): void {
  if (config.getBool('Debug::Reprogate', false)) showNodeWarnings();
  const sandbox = dropPrivileges(config.get('APT::Sandbox::User') ?? '_apt');
  log.debug(`sandbox: ${sandbox.reason}`);
}
