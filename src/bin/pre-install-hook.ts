/**
 * Entry point of /usr/lib/reprogate/pre-install-hook, run by apt through
 * `DPkg::Pre-Install-Pkgs` with protocol version 3. apt names the file
 * descriptor it writes to in APT_HOOK_INFO_FD (stdin when unset).
 */
import './quiet.js';
import { createReadStream } from 'node:fs';
import { runHook } from '../hook/main.js';

async function readAll(fd: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream('', { fd, autoClose: false })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const fd = Number(process.env['APT_HOOK_INFO_FD'] ?? '0');

runHook({
  readInput: () => readAll(Number.isInteger(fd) && fd >= 0 ? fd : 0),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  now: () => new Date(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`reprogate: refusing the install after an unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
