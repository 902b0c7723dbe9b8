/**
 * dist/apt-method.js: the method as a Node program (`#!/usr/bin/env node`), for
 * whoever links it as /usr/lib/apt/methods/reprogate+http or reprogate+https.
 * Node keeps the link's path in process.argv[1]: the name apt ran, hence the scheme.
 *
 * The Debian package links the shell launcher (dist/apt-method, from
 * scripts/apt-method.in) instead, which answers apt's capability probe without
 * starting Node and runs Node with the V8 flags the method is measured with; both
 * run the same method, apt-method-main.js beside this file.
 *
 * apt blocks on a method's `100 Capabilities`, and its probe start reads nothing
 * else: so this file writes it before loading the rest of the program.
 */
import { writeSync } from 'node:fs';
import { relayCapabilitiesText } from '../apt/capabilities.js';

try {
  // fd 1 is apt's fresh pipe: a message this short is written whole, at once.
  writeSync(1, relayCapabilitiesText());
} catch {
  process.exit(100); // apt is gone already
}
import('./apt-method-main.js').catch((e: unknown) => {
  process.stderr.write(`reprogate: cannot load the apt method: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(100);
});
