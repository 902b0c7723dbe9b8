/**
 * `npm run demo`: reprogate gating the real apt, on loopback only, in a few seconds.
 *
 * Builds a throwaway world in a temp dir (test/support/demo-world.ts): a signed
 * repository with two packages, two rebuilderd instances run by different
 * operators, a policy with threshold 2, and an apt root whose `reprogate+http`
 * is the built method. `hello` is attested by both rebuilders, `mystery` by one.
 * Then it runs the real `apt-get update` and `apt-get install --download-only`
 * for each, printing apt's own output, and `reprogate explain` for the refused
 * one. Exit 0 when apt accepted `hello` and refused `mystery`, 1 otherwise.
 *
 * Runs from a bundle (package.json bundles it with esbuild into node_modules/.cache
 * and runs that with plain Node), so the checkout is found by walking up to
 * reprogate's package.json rather than from a fixed relative path.
 *
 * Deliberately not here: the pre-install hook (test/e2e/hook.test.ts shows it)
 * and anything that would touch the machine's own apt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archivesListing, sealedEnv, type CommandResult } from '../test/support/aptlab/index.js';
import { builtFiles, createWorld, type World } from '../test/support/demo-world.js';

const REBUILDERS = [
  { name: 'alpha', operator: 'alpha-org' },
  { name: 'beta', operator: 'beta-org' },
] as const;
const THRESHOLD = 2;

function findCheckout(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'reprogate') return dir;
    if (dir === dirname(dir)) throw new Error(`no reprogate checkout above ${from}`);
  }
}

/** Tools the world needs, with the Debian package that ships each. */
const TOOLS = [
  ['apt-get', 'apt'],
  ['gpgv', 'gpgv'],
  ['gpg', 'gnupg'],
  ['gpgconf', 'gnupg'],
  ['dpkg-deb', 'dpkg'],
] as const;

/** Looked up on the PATH the lab runs its tools with (not the caller's). */
function missingTools(): string[] {
  const path = (sealedEnv(tmpdir())['PATH'] ?? '').split(':').filter((d) => d !== '');
  return TOOLS.filter(([tool]) => !path.some((d) => existsSync(join(d, tool)))).map(([tool, pkg]) => `${tool} (Debian package ${pkg})`);
}

const say = (text = ''): void => console.log(text);

function header(step: string, what: string): void {
  say();
  say(`━━ ${step}`);
  say(`   ${what}`);
}

/** apt's (or the CLI's) real output, as it printed it, then how it ended. */
function show(command: string, result: CommandResult): void {
  say(`$ ${command}`);
  if (result.stdout !== '') process.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
  if (result.stderr !== '') process.stdout.write(result.stderr.endsWith('\n') ? result.stderr : `${result.stderr}\n`);
  say(`[exit ${result.code ?? result.signal}, ${Math.round(result.durationMs)} ms]`);
}

async function demo(world: World, failures: string[]): Promise<void> {
  const hello = world.debs.get('hello')!;
  const mystery = world.debs.get('mystery')!;
  const expect = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };

  header('1/4 apt-get update', 'apt fetches the signed index through reprogate+http; index files pass through untouched.');
  const update = await world.apt(['update']);
  show('apt-get update', update);
  expect(update.code === 0, 'apt-get update failed');

  header(
    '2/4 apt-get install --download-only hello',
    `hello is attested by alpha and beta (two operators, threshold ${THRESHOLD}): the method lets it into archives/.`,
  );
  const accepted = await world.apt(['install', '-y', '--download-only', 'hello']);
  show('apt-get install -y --download-only hello', accepted);
  const afterHello = await archivesListing(world.root);
  expect(accepted.code === 0 && afterHello.archives.includes(hello.fileName), 'hello was not accepted');

  header(
    '3/4 apt-get install --download-only mystery',
    `mystery is attested by alpha only (1 of ${THRESHOLD}): the method refuses it, deletes the file, and apt fails the fetch.`,
  );
  const refused = await world.apt(['install', '-y', '--download-only', 'mystery']);
  show('apt-get install -y --download-only mystery', refused);
  const afterMystery = await archivesListing(world.root);
  expect(
    refused.code !== 0 && refused.stderr.includes('reprogate: refused mystery') && !afterMystery.archives.includes(mystery.fileName),
    'mystery was not refused',
  );

  header(`4/4 reprogate explain ${mystery.sha256}`, 'The whole decision about the refused package, rebuilder by rebuilder, from the decision log (exit 1: a refusal).');
  const explained = await world.reprogate(['explain', mystery.sha256]);
  show(`reprogate explain ${mystery.sha256}`, explained);
  expect(explained.code === 1 && explained.stdout.includes('mystery'), 'reprogate explain did not find the refusal');
}

async function main(): Promise<number> {
  const started = performance.now();
  const checkout = findCheckout(dirname(fileURLToPath(import.meta.url)));
  const missing = Object.values(builtFiles(checkout)).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(`demo: ${missing.join(', ')} missing: run \`npm run build\` first`);
    return 1;
  }

  const tools = missingTools();
  if (tools.length > 0) {
    console.error(`demo: needs ${tools.join(', ')}`);
    return 1;
  }

  say('reprogate demo: the real apt-get, a loopback repository and two loopback rebuilders, all in a temp dir.');
  const uid = process.getuid?.();
  if (uid !== 0) {
    say(`note: not running as root (uid ${uid ?? '?'}): apt cannot switch to its _apt sandbox, so it runs the method as you;`);
    say('      the gate decides the same way (as root, e.g. in CI, the method runs as _apt).');
  }

  const world = await createWorld({
    checkout,
    packages: [
      { name: 'hello', version: '1.0-1', architecture: 'all' },
      { name: 'mystery', version: '2.0-1', architecture: 'all' },
    ],
    rebuilders: REBUILDERS,
    threshold: THRESHOLD,
  });
  const stop = (): void => {
    void world.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const failures: string[] = [];
  try {
    world.attest('alpha', world.debs.get('hello')!);
    world.attest('beta', world.debs.get('hello')!);
    world.attest('alpha', world.debs.get('mystery')!);
    say(`world: repository ${world.repositoryServer.url}, rebuilders ${[...world.rebuilders].map(([n, s]) => `${n} ${s.url}`).join(', ')}`);
    say(`policy (${world.policyFile}):`);
    say(readFileSync(world.policyFile, 'utf8').replace(/^/gm, '   ').trimEnd());
    await demo(world, failures);
  } finally {
    await world.close();
  }

  say();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failures.length === 0) {
    say(`demo: as expected: hello accepted, mystery refused (${seconds} s; temp dir removed).`);
    return 0;
  }
  say(`demo: NOT as expected: ${failures.join('; ')} (${seconds} s; temp dir removed).`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
