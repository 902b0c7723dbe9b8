/**
 * The apt method proper, run by its launcher (the shell script scripts/apt-method.in,
 * or src/bin/apt-method.ts) once that has written `100 Capabilities`. Composition
 * root: the only place that binds the relay to the real process, clock, network and
 * file system. This file holds the relay alone (~30 kB bundled), so that apt's http
 * method starts as soon as Node does; the verification code follows when needed.
 */
import './quiet.js';
import { methodScheme, nodeRelayIo, runRelay } from '../apt/index.js';
import { setUpMethodProcess } from '../method/process-setup.js';

async function main(): Promise<number> {
  return runRelay({
    // The name apt ran the method by is its scheme. The shell launcher passes it as
    // an argument; run by the Node launcher, Node has it as the script's own path.
    scheme: methodScheme(process.argv[2] ?? process.argv[1] ?? ''),
    onConfigured: setUpMethodProcess,
    createGate: async (config, log) => {
      // A bundle of its own (apt-method-gate.ts): most of the method's code, loaded
      // only once a package is asked for.
      const { createVerifyingGate } = await import('./apt-method-gate.js');
      return createVerifyingGate(config, log, { env: process.env, now: () => new Date() });
    },
    io: nodeRelayIo(process),
    capabilitiesSent: true,
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`reprogate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(100);
  },
);
