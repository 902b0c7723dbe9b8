// Runs the TypeScript benchmark (test/bench/main.ts) with no TypeScript runner
// installed: esbuild (a dev dependency already, for dist/) bundles it into a temp
// file, which is then imported. Usage: `npm run build && node test/bench/run.mjs`.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = mkdtempSync(join(tmpdir(), 'reprogate-bench-build-'));
const file = join(out, 'bench.mjs');
await build({
  entryPoints: [join(root, 'test/bench/main.ts')],
  outfile: file,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  // CommonJS dependencies bundled into ESM still call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.env.REPROGATE_ROOT = root;
try {
  await import(pathToFileURL(file).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
