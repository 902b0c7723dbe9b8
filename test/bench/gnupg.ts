/**
 * A throwaway GnuPG home for the keys the benchmark needs from real gpg: the
 * layout owner's key for apt-transport-in-toto (which takes layout keys only from
 * a GPG keyring) and the RSA-4096 key whose `in-toto-run --gpg` link the micro
 * benchmark verifies.
 *
 * Everything stays in the given folder; close() stops the agent gpg started there.
 */
import { join } from 'node:path';
import { makeDir, runChecked, sealedEnv } from '../support/aptlab/index.js';

export interface GnupgHome {
  readonly home: string;
  /** The environment every gpg and in-toto tool must run with. */
  readonly env: Readonly<Record<string, string>>;
  /** A passphrase-less signing key; returns its fingerprint. */
  generateKey(uid: string, algorithm: 'rsa3072' | 'rsa4096' | 'ed25519'): Promise<string>;
  exportArmored(fingerprint: string): Promise<string>;
  close(): Promise<void>;
}

export async function createGnupgHome(dir: string): Promise<GnupgHome> {
  const home = await makeDir(join(dir, 'gnupg'), 0o700);
  const tmp = await makeDir(join(dir, 'tmp'));
  const env = sealedEnv(tmp, { GNUPGHOME: home });
  const gpg = (args: string[]) => runChecked('gpg', ['--batch', '--no-tty', ...args], { env, timeoutMs: 120_000 });
  return {
    home,
    env,
    async generateKey(uid, algorithm) {
      await gpg(['--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', uid, algorithm, 'sign', 'never']);
      const listing = (await gpg(['--with-colons', '--list-keys', uid])).stdout;
      const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(listing)?.[1];
      if (fingerprint === undefined) throw new Error(`gpg made no key for ${uid}`);
      return fingerprint;
    },
    async exportArmored(fingerprint) {
      return (await gpg(['--armor', '--export', fingerprint])).stdout;
    },
    async close() {
      await runChecked('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { env }).catch(() => undefined);
    },
  };
}
