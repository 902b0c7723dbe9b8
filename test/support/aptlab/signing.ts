/**
 * A throwaway OpenPGP key for signing repository Release files, made and used by
 * the real `gpg` in a private GNUPGHOME inside the lab; apt verifies with the real
 * `gpgv` against the exported public keyring (`Signed-By`).
 *
 * gpg starts a gpg-agent for the secret key; `close()` kills it. Its sockets live in
 * the GNUPGHOME unless /run/user/<uid> exists, in which case gpg puts them there;
 * `close()` removes that socket directory too.
 *
 * Does not model keys with subkeys, expiry or revocation; tests of OpenPGP edge
 * cases make their keys with their own tools.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { runChecked, runCommand, sealedEnv } from './process.js';

export interface SigningKey extends AsyncDisposable {
  /** The key's directory: gnupg/, keyring.gpg and a private tmp/. */
  readonly dir: string;
  readonly gnupgHome: string;
  /** Upper-case hex fingerprint of the primary key. */
  readonly fingerprint: string;
  /** The public key as a binary keyring file (mode 0644), for `Signed-By`. */
  readonly keyringPath: string;
  /** Kill the key's gpg-agent. The files stay (they live in the lab). */
  close(): Promise<void>;
}

export interface SigningKeyOptions {
  readonly userId?: string;
  /** gpg key algorithm for --quick-gen-key (default ed25519). */
  readonly algorithm?: 'ed25519' | 'rsa3072' | 'rsa4096';
}

/** Make a signing key in `dir/gnupg` and export its public half to `dir/keyring.gpg`. */
export async function createSigningKey(dir: string, options: SigningKeyOptions = {}): Promise<SigningKey> {
  await makeDir(dir);
  const gnupgHome = await makeDir(join(dir, 'gnupg'), 0o700);
  const tmp = await makeDir(join(dir, 'tmp'), 0o700);
  const env = sealedEnv(tmp);
  const gpg = (args: string[]) =>
    runChecked('gpg', ['--batch', '--no-tty', '--homedir', gnupgHome, ...args], { env, timeoutMs: 60_000 });
  const close = async (): Promise<void> => {
    await runCommand('gpgconf', ['--homedir', gnupgHome, '--kill', 'all'], { env, timeoutMs: 10_000 });
    await runCommand('gpgconf', ['--homedir', gnupgHome, '--remove-socketdir'], { env, timeoutMs: 10_000 });
  };
  try {
    await gpg([
      '--pinentry-mode', 'loopback', '--passphrase', '',
      '--quick-gen-key', options.userId ?? 'aptlab repository <aptlab@example.invalid>',
      options.algorithm ?? 'ed25519', 'sign', '2d',
    ]);
    const listing = await gpg(['--with-colons', '--list-secret-keys']);
    const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40,64}):/m.exec(listing.stdout)?.[1];
    if (fingerprint === undefined) {
      throw new AptlabError('APTLAB_COMMAND_FAILED', `gpg made a key in ${gnupgHome} but listed no fingerprint`);
    }
    const keyringPath = join(dir, 'keyring.gpg');
    await gpg(['--yes', '--output', keyringPath, '--export', fingerprint]);
    await chmod(keyringPath, 0o644); // read by gpgv as _apt
    return { dir, gnupgHome, fingerprint, keyringPath, close, [Symbol.asyncDispose]: close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Write `InRelease` (clear-signed) and `Release.gpg` (detached, armored) next to `release`. */
export async function signRelease(key: SigningKey, releasePath: string, suiteDir: string): Promise<void> {
  const tmp = join(key.dir, 'tmp');
  const sign = (mode: readonly string[], out: string) =>
    runChecked(
      'gpg',
      ['--batch', '--no-tty', '--homedir', key.gnupgHome, '--yes', '--digest-algo', 'SHA512',
        '--local-user', key.fingerprint, '--output', out, ...mode, releasePath],
      { env: sealedEnv(tmp), timeoutMs: 60_000 },
    );
  await sign(['--clearsign'], join(suiteDir, 'InRelease'));
  await sign(['--armor', '--detach-sign'], join(suiteDir, 'Release.gpg'));
}
