/**
 * The apt method proper, loaded by its launcher (apt-method.ts) once that has
 * written `100 Capabilities`. Composition root: the only place that binds the
 * relay to the real process, clock, network and file system.
 */
import './quiet.js';
import { methodScheme, nodeRelayIo, runRelay } from '../apt/index.js';
import { createVerifyingGate } from '../method/gate.js';

async function main(): Promise<number> {
  return runRelay({
    // The launcher (scripts/apt-method.in) passes the name apt ran it by: that is the scheme.
    scheme: methodScheme(process.argv[2] ?? ''),
    createGate: (config, log) => createVerifyingGate(config, log, { env: process.env, now: () => new Date() }),
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
