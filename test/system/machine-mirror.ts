/**
 * The Debian mirror this machine's own apt uses, for debootstrap: the tests must
 * never name a mirror host themselves (CI machines and developers use different
 * mirrors and caching proxies).
 *
 * apt reads the sources, not this module: `apt-get indextargets` lists every index
 * the configured sources describe, after apt's own parsing of one-line
 * `sources.list` files and deb822 `.sources` files (disabled entries, options,
 * several URIs per entry, comments). It needs no downloaded lists for the fields
 * used here. The machine's configuration is read as is, so the environment has no
 * APT_CONFIG.
 *
 * Deliberately not here: choosing a suite, reaching the mirror.
 */
import { readFile } from 'node:fs/promises';

import { runChecked } from '../support/aptlab/index.js';

interface IndexTarget {
  readonly uri: string;
  /** The suite as written in the sources entry (`bookworm`, `stable`, `bookworm-updates`). */
  readonly release: string;
  /** The codename from the downloaded Release file; empty before `apt-get update`. */
  readonly codename: string;
}

/**
 * The URI of a `deb` source that carries `main` of `suite`, or failing that of the
 * machine's own release (a Debian mirror carries every supported release). Ends in `/`.
 */
export async function machineMirror(suite: string): Promise<string> {
  const listed = await runChecked(
    'apt-get',
    ['indextargets', '--format', '$(REPO_URI)\t$(RELEASE)\t$(CODENAME)', 'Target-Of: deb', 'Identifier: Packages', 'Component: main'],
    { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' }, timeoutMs: 30_000 },
  );
  const targets: IndexTarget[] = listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [uri = '', release = '', codename = ''] = line.split('\t');
      // apt prints an unknown field as the placeholder itself.
      return { uri, release, codename: codename.startsWith('$(') ? '' : codename };
    });
  const serving = (name: string) => targets.find((t) => /^https?:\/\//.test(t.uri) && (t.release === name || t.codename === name));
  const own = await machineCodename();
  const found = serving(suite) ?? (own === undefined ? undefined : serving(own));
  if (found === undefined) {
    throw new Error(
      `no http(s) 'deb' source for '${suite}'${own === undefined ? '' : ` or '${own}'`} with component main in this machine's apt sources ` +
        `(apt-get indextargets listed: ${targets.map((t) => `${t.uri} ${t.release}`).join(', ') || 'nothing'}); ` +
        'the system test takes its Debian mirror from there',
    );
  }
  return found.uri.endsWith('/') ? found.uri : `${found.uri}/`;
}

async function machineCodename(): Promise<string | undefined> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^VERSION_CODENAME="?([a-z]+)"?$/m.exec(osRelease)?.[1];
}
