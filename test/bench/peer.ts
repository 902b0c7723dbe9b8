/**
 * Debian's apt-transport-in-toto (`intoto://`) set up against the same world as
 * reprogate, as research note apt-transport-in-toto.md §11 does it (tested there):
 * a layout with one step `rebuild` whose functionaries are the rebuilders' ed25519
 * keys (threshold as in our policy), an inspection that MATCHes the .deb against the
 * step's products, signed with GPG by a layout owner (the peer takes layout keys
 * from a GPG keyring only). The peer then reads each rebuilder's
 * `sources/<name>/<version>/metadata` — the same links and keys our `sources`
 * policy reads.
 *
 * The peer is Python and runs as root without dropping privileges; it spins when
 * left without SIGINT, so `reapStrays` kills any of its processes (and their http
 * children) that outlive an apt run in this lab's methods folder. It logs to the
 * hard-coded /tmp/intoto.log; `peerLogCleanup` removes that file afterwards if it
 * did not exist before.
 *
 * Deliberately not here: any timing, and any system configuration — everything
 * lives in the lab's apt root (the shipped /etc/apt/apt.conf.d/intoto, which names
 * public rebuilders, is never read).
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAptRoot, makeDir, runChecked, sourceFor, type AptConfigValue, type AptRoot, type Lab } from '../support/aptlab/index.js';
import { createGnupgHome } from './gnupg.js';
import type { Mirror, RebuilderFarm } from './world.js';

export const PEER_METHOD = '/usr/lib/apt/methods/intoto';
const PEER_LOG = '/tmp/intoto.log';
const PYTHON = '/usr/bin/python3'; // Debian's, which has in_toto (a pyenv python3 would not)

/** Builds the layout with in-toto's own classes, so the peer reads exactly what it writes. */
const LAYOUT_SCRIPT = `
import sys
from in_toto.models.layout import Layout, Step, Inspection
from in_toto.models.metadata import Metablock
from securesystemslib.interface import import_ed25519_publickey_from_file
out, threshold, key_files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
layout = Layout()
layout.set_relative_expiration(months=6)
ids = []
for path in key_files:
    key = import_ed25519_publickey_from_file(path)
    layout.add_functionary_key(key)
    ids.append(key["keyid"])
step = Step(name="rebuild")
step.pubkeys = ids
step.threshold = threshold
step.add_product_rule_from_string("CREATE *.deb")
step.add_product_rule_from_string("DISALLOW *.deb")
inspection = Inspection(name="verify-reprobuilds")
inspection.set_run_from_string("true")
inspection.add_material_rule_from_string("MATCH *.deb WITH PRODUCTS FROM rebuild")
inspection.add_material_rule_from_string("DISALLOW *.deb")
layout.steps = [step]
layout.inspect = [inspection]
Metablock(signed=layout).dump(out)
`;

export function peerInstalled(): boolean {
  return existsSync(PEER_METHOD);
}

/** Installs the peer with apt-get when missing (root only); throws with the reason otherwise. */
export async function ensurePeerInstalled(progress: (line: string) => void): Promise<void> {
  if (peerInstalled()) return;
  if (process.getuid?.() !== 0) throw new Error(`${PEER_METHOD} is missing; install apt-transport-in-toto (as root: apt-get install -y apt-transport-in-toto)`);
  progress('installing apt-transport-in-toto (apt-get install -y)…');
  await runChecked('apt-get', ['install', '-y', '-qq', 'apt-transport-in-toto'], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8' },
    timeoutMs: 600_000,
  });
}

/** An apt root whose sources use `intoto://` against `mirror`, gated by `farm` with `threshold`. */
export async function createPeerRoot(
  lab: Lab,
  dir: string,
  mirror: Mirror,
  farm: RebuilderFarm,
  threshold: number,
  config: Readonly<Record<string, AptConfigValue>> = {},
): Promise<AptRoot> {
  const conf = await makeDir(join(dir, 'conf'));
  const gnupg = await createGnupgHome(conf);
  lab.defer(() => gnupg.close());
  const owner = await gnupg.generateKey('layout owner <owner@bench.invalid>', 'rsa3072');

  const keyFiles: string[] = [];
  for (const r of farm.rebuilders) {
    const path = join(conf, `${r.name}.pub`);
    await writeFile(path, r.key.sslibJson);
    keyFiles.push(path);
  }
  const layout = join(conf, 'root.layout');
  await runChecked(PYTHON, ['-', layout, String(threshold), ...keyFiles], { env: gnupg.env, input: LAYOUT_SCRIPT });
  await runChecked('in-toto-sign', ['-f', layout, '--gpg', owner, '--gpg-home', gnupg.home], { env: gnupg.env });

  return createAptRoot(join(dir, 'root'), {
    sources: [sourceFor(mirror.repository, `${mirror.server.url.replace(/^http:/, 'intoto:')}/`)],
    config: {
      // The peer only understands the list form of each item (research note, L8).
      // INFO: its "passed" line per package proves it verified what was timed (peerVerifiedAll).
      'APT::Intoto::LogLevel': ['20'],
      'APT::Intoto::Rebuilders': farm.rebuilders.map((r) => r.server.origin),
      'APT::Intoto::GPGHomedir': [gnupg.home],
      'APT::Intoto::Layout': [layout],
      'APT::Intoto::Keyids': [owner],
      ...config,
    },
  });
}

/**
 * Whether the peer's stderr says it verified every package (it skips files whose
 * name does not split into three parts on `_`, and would then time nothing).
 */
export function peerVerifiedAll(stderr: string, packages: readonly string[]): string | undefined {
  const passed = new Set([...stderr.matchAll(/In-toto verification for '[^']*\/([^/_']+)_[^']*' passed/g)].map((m) => m[1]));
  const unverified = packages.filter((p) => !passed.has(p));
  return unverified.length === 0 ? undefined : `the peer did not report verifying ${unverified.length} package(s), e.g. ${unverified[0]}`;
}

/**
 * Kills (by pid) the peer's processes, and their http children, still running from
 * `methodsDir` after apt has exited: left without SIGINT the peer never exits and
 * keeps a core busy, which would slow every later measurement.
 */
export async function reapStrays(methodsDir: string): Promise<number> {
  const ours = [join(methodsDir, 'intoto'), join(methodsDir, 'http')];
  let killed = 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await readFile(`/proc/${name}/cmdline`, 'utf8').then((t) => t.split('\0'), () => []);
    if (argv.some((a) => ours.includes(a))) {
      try {
        process.kill(Number(name), 'SIGKILL');
        killed++;
      } catch {
        // exited meanwhile
      }
    }
  }
  return killed;
}

/** Call before the peer first runs; the returned function removes the peer's log if the benchmark created it. */
export function peerLogCleanup(): () => Promise<void> {
  const existed = existsSync(PEER_LOG);
  return async () => {
    if (!existed) await rm(PEER_LOG, { force: true });
  };
}
