/**
 * Entry point of /usr/lib/apt/methods/reprogate+http and reprogate+https (both
 * links to this file): a launcher a few kilobytes long.
 *
 * apt blocks on a method's `100 Capabilities`, and it starts every method twice
 * per run: once only to read that message (then it closes the pipes and sends
 * SIGINT), once for the work. Compiling the whole program before answering cost
 * ~80 ms of each start, the probe's wholly wasted; so the launcher answers first
 * and loads the method (apt-method-main.js, beside this file) afterwards.
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
