/** Entry point of the `reprogate` command. Composition root: binds the CLI to the real process. */
import './quiet.js';
import { runCli } from '../cli/program.js';

runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  now: () => new Date(),
  isTTY: process.stdout.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`reprogate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
