/**
 * Entry point of /usr/lib/reprogate/pre-install-hook, run by apt through
 * `DPkg::Pre-Install-Pkgs` with protocol version 3. apt names the file
 * descriptor it writes to in APT_HOOK_INFO_FD (stdin when unset).
 */
import './quiet.js';
import { createReadStream } from 'node:fs';
import { DEFAULT_HOOK_INPUT_LIMITS } from '../hook/input.js';
import { runHook } from '../hook/main.js';

/** Reads until EOF, or one byte past the parser's limit (which it then refuses). */
async function readAll(fd: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of createReadStream('', { fd, autoClose: false })) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > DEFAULT_HOOK_INPUT_LIMITS.maxBytes) break;
  }
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
