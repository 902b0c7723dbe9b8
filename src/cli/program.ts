/**
 * The `reprogate` command line (commander). Each command lives in its own file
 * and returns its exit code: 0 success, 1 a refusal or a finding, 2 a usage,
 * policy or environment error.
 */
import { Command, CommanderError, Option } from 'commander';
import { hasCode } from '../errors.js';
import { addRebuilderCommand } from './add-rebuilder.js';
import { disableCommand, enableCommand } from './enable.js';
import { EXIT } from './errors.js';
import { explainCommand } from './explain.js';
import { fetchCommand } from './fetch.js';
import type { CliIo } from './io.js';
import { policyCheckCommand } from './policy-check.js';
import { statusCommand } from './status.js';
import { verifyCommand } from './verify.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('reprogate')
    .description('Refuse Debian packages that independent rebuilders have not reproduced')
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const aptOption = new Option('-o, --option <Key=Value>', 'set an apt configuration option (repeatable), as apt-get -o does').argParser(collect);

  program
    .command('verify')
    .description('verify .deb files against the policy; exit 1 if any is refused')
    .argument('<deb...>', '.deb files')
    .option('--policy <file>', 'policy file (default: Reprogate::Policy, /etc/reprogate/policy.yaml)')
    .option('--json', 'print a JSON report')
    .option('--attestations <dir>', 'read attestations from a folder written by `reprogate fetch` first')
    .option('--offline', 'never use the network')
    .addOption(aptOption)
    .action(async (debs: string[], opts: { policy?: string; json?: boolean; attestations?: string; offline?: boolean; option?: string[] }) => {
      exitCode = await verifyCommand(debs, opts, io);
    });

  program
    .command('explain')
    .description('explain the decision for a .deb, a sha256, or NAME=VERSION (from the decision log)')
    .argument('<what>', '.deb file, sha256 or NAME=VERSION')
    .option('--policy <file>', 'policy file')
    .option('--offline', 'never use the network')
    .addOption(aptOption)
    .action(async (what: string, opts: { policy?: string; offline?: boolean; option?: string[] }) => {
      exitCode = await explainCommand(what, opts, io);
    });

  program
    .command('fetch')
    .description('download attestations for offline verification')
    .argument('<deb...>', '.deb files')
    .requiredOption('--out <dir>', 'folder to write <rebuilder>/<sha256>/<n>.json into')
    .option('--policy <file>', 'policy file')
    .addOption(aptOption)
    .action(async (debs: string[], opts: { out: string; policy?: string; option?: string[] }) => {
      exitCode = await fetchCommand(debs, opts, io);
    });

  program
    .command('status')
    .description('how many independent rebuilders attest each installed package; exit 1 if the policy would not accept one')
    .option('--json', 'print a JSON report')
    .option('--offline', 'use cached attestations only, never the network')
    .option('--policy <file>', 'policy file')
    .addOption(aptOption)
    .action(async (opts: { json?: boolean; offline?: boolean; policy?: string; option?: string[] }) => {
      exitCode = await statusCommand(opts, io);
    });

  program
    .command('enable')
    .description("switch apt's sources to reprogate+http(s), keeping a backup of each file changed")
    .option('--dry-run', 'show what would change, write nothing')
    .addOption(aptOption)
    .action(async (opts: { dryRun?: boolean; option?: string[] }) => {
      exitCode = await enableCommand(opts, io);
    });

  program
    .command('disable')
    .description("switch apt's sources back from reprogate+http(s) to http(s)")
    .option('--dry-run', 'show what would change, write nothing')
    .addOption(aptOption)
    .action(async (opts: { dryRun?: boolean; option?: string[] }) => {
      exitCode = await disableCommand(opts, io);
    });

  const policy = program.command('policy').description('inspect and edit the policy');
  policy
    .command('check')
    .description('validate a policy and print what it means')
    .argument('[file]', 'policy file (default: Reprogate::Policy, /etc/reprogate/policy.yaml)')
    .addOption(aptOption)
    .action(async (file: string | undefined, opts: { option?: string[] }) => {
      exitCode = await policyCheckCommand(file, opts, io);
    });
  policy
    .command('add-rebuilder')
    .description("fetch a rebuilderd instance's published key, show its fingerprint, and pin it in the policy on confirmation")
    .argument('<name>', 'rebuilder name (lower-case letters, digits, ".", "_", "-"); the key goes to keys/NAME.pem next to the policy')
    .argument('<url>', "the instance's base URL, like https://<rebuilder>/amd64/")
    .option('--operator <operator>', 'who runs it: rebuilders of one operator count once (default: the name)')
    .addOption(new Option('--type <type>', 'rebuilder type').choices(['rebuilderd']).default('rebuilderd'))
    .option('--yes', 'pin without asking (check the fingerprint out of band first)')
    .option('--policy <file>', 'policy file (default: Reprogate::Policy, /etc/reprogate/policy.yaml)')
    .addOption(aptOption)
    .action(async (name: string, url: string, opts: { operator?: string; type?: string; yes?: boolean; policy?: string; option?: string[] }) => {
      exitCode = await addRebuilderCommand(name, url, opts, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr(`reprogate: ${e instanceof Error ? e.message : String(e)}${hasCode(e) ? ` [${e.code}]` : ''}\n`);
    return EXIT.usage;
  }
}

declare const __REPROGATE_VERSION__: string | undefined;
/** Set by the bundler; the checkout reports itself as a development build. */
const PACKAGE_VERSION = typeof __REPROGATE_VERSION__ === 'string' ? __REPROGATE_VERSION__ : '0.0.0-dev';
