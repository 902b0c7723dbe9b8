// Bundles the three entry points into dist/ so that the installed program needs
// no node_modules and runs on Debian's own nodejs (18.x in bookworm).
//
// CommonJS output: the Debian package installs these files into
// /usr/lib/reprogate/, where no package.json says "type": "module"; dist/ gets a
// package.json of its own so that the same files also run from the checkout.
// openpgp.js is imported lazily in the source; esbuild keeps that lazy (its
// module body is only evaluated when an OpenPGP key is read).
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';

const { version } = JSON.parse(await readFile('package.json', 'utf8'));

const entryPoints = {
  reprogate: 'src/bin/reprogate.ts',
  'apt-method': 'src/bin/apt-method.ts',
  'pre-install-hook': 'src/bin/pre-install-hook.ts',
};

await mkdir('dist', { recursive: true });
await writeFile('dist/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  // ESM dependencies (openpgp.js's Node build) read import.meta.url, which CommonJS lacks.
  banner: { js: "#!/usr/bin/env node\nconst __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { __REPROGATE_VERSION__: JSON.stringify(version), 'import.meta.url': '__import_meta_url' },
  legalComments: 'linked',
  sourcemap: false,
  // Smaller files parse faster at every apt start; identifiers are kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
for (const name of Object.keys(entryPoints)) await chmod(`dist/${name}.js`, 0o755);
