// Bundles the entry points into dist/ so that the installed program needs no
// node_modules and runs on Debian's own nodejs (18.x in bookworm).
//
// CommonJS output: the Debian package installs these files into
// /usr/lib/reprogate/, where no package.json says "type": "module"; dist/ gets a
// package.json of its own so that the same files also run from the checkout.
//
// Start-up time is paid at every apt run (twice, for the method). So:
// - apt-method is a shell script (scripts/apt-method.in) that answers apt's
//   capability probe without starting Node, then runs apt-method-main.js;
//   apt-method.js does the same from Node, for who runs the method as a Node
//   program (both answer before loading apt-method-main.js);
// - apt-method-main.js is the relay alone; it loads apt-method-gate.js (the
//   verification code and its dependencies) when apt first asks for a package,
//   so an `apt-get update` never compiles it;
// - openpgp.js (a third of each bundle, needed only for armored OpenPGP keys) is
//   a file of its own that the others require the first time such a key is read.
// Each of these files finds the others by its own path, so they stay side by side.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';

const { version } = JSON.parse(await readFile('package.json', 'utf8'));

/** Programs apt, dpkg or a user run; executable, with the interpreter line. */
const programs = {
  reprogate: 'src/bin/reprogate.ts',
  'apt-method': 'src/bin/apt-method.ts',
  'pre-install-hook': 'src/bin/pre-install-hook.ts',
};
/** Loaded by the programs, never run. */
const libraries = {
  'apt-method-main': 'src/bin/apt-method-main.ts',
  'apt-method-gate': 'src/bin/apt-method-gate.ts',
  openpgp: 'scripts/openpgp-entry.mjs',
};
/** Imports the bundles leave as requires of a sibling file. */
const siblings = { openpgp: './openpgp.js', './apt-method-main.js': './apt-method-main.js', './apt-method-gate.js': './apt-method-gate.js' };

const keepSiblingsApart = {
  name: 'siblings',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(siblings).map((s) => s.replace(/[./]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      // The openpgp entry itself must bundle the real package.
      args.importer.endsWith('openpgp-entry.mjs') ? undefined : { path: siblings[args.path], external: true },
    );
  },
};

/** `undici` → scripts/undici-core.cjs: its dispatchers without fetch and the rest (see that file). */
const undiciCore = {
  name: 'undici-core',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: new URL('./undici-core.cjs', import.meta.url).pathname }));
  },
};

// Start from nothing: a file left from an older layout must not ship.
await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
await writeFile('dist/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
const shared = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  define: { __REPROGATE_VERSION__: JSON.stringify(version), 'import.meta.url': '__import_meta_url' },
  legalComments: 'linked',
  sourcemap: false,
  // Smaller files parse faster at every apt start; identifiers are kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [keepSiblingsApart, undiciCore],
  // import() of a sibling becomes require(): Node's ESM loader would cost start-up time.
  supported: { 'dynamic-import': false },
};
// ESM dependencies (openpgp.js's Node build) read import.meta.url, which CommonJS lacks.
const metaUrlShim = "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;";
await build({ ...shared, entryPoints: programs, banner: { js: `#!/usr/bin/env node\n${metaUrlShim}` } });
await build({ ...shared, entryPoints: libraries, banner: { js: metaUrlShim } });
for (const name of Object.keys(programs)) await chmod(`dist/${name}.js`, 0o755);
await writeFile('dist/apt-method', await methodLauncher(), { mode: 0o755 });

/** scripts/apt-method.in with the relay's own `100 Capabilities` (src/apt/capabilities.ts) filled in. */
async function methodLauncher() {
  const { outputFiles } = await build({ ...shared, entryPoints: ['src/apt/capabilities.ts'], write: false, outdir: undefined, legalComments: 'none', plugins: [] });
  const module = { exports: {} };
  new Function('module', 'exports', outputFiles[0].text)(module, module.exports);
  const message = module.exports.relayCapabilitiesText();
  // Inside printf's single-quoted format, only these would need escaping; none may occur.
  if (/['%\\]/.test(message)) throw new Error(`cannot put ${JSON.stringify(message)} into a printf format`);
  const template = await readFile('scripts/apt-method.in', 'utf8');
  return template.replace('@CAPABILITIES@', message.replace(/\n/g, '\\n'));
}
