/**
 * `reprogate policy add-rebuilder NAME URL [--operator OP] [--type rebuilderd]
 * [--yes] [--policy FILE]`: trust on first use, made explicit. Fetch the
 * rebuilderd instance's published signing key (through apt's proxy, as every
 * attestation fetch), show its fingerprint, and only when the admin confirms it
 * (or said `--yes` after checking it out of band) pin it: the PEM goes to
 * `keys/NAME.pem` next to the policy and the rebuilder is added to the policy
 * with every other byte of the file kept (policy-edit.ts).
 *
 * Nothing is half done. Everything that can be refused is refused before the
 * first write: a taken name, an unacceptable name or URL, an existing key file
 * holding another key, no confirmation. Files are replaced atomically (a
 * temporary file renamed over the old one, never over a file that changed
 * meanwhile), and if the policy with the new rebuilder does not load (its key
 * already vouches for another operator, say), the old policy is put back and the
 * key files written are removed.
 *
 * Deliberately not here: `sources` and `directory` rebuilders (they publish no
 * key; pin theirs by hand), and replacing a pinned key (remove it first, on
 * purpose).
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadPublicKeys, type PublicKey } from '../in-toto/index.js';
import { describePolicy, loadPolicy, MAX_POLICY_SIZE, parsePolicy, PolicyError, type RebuilderDocument } from '../policy/index.js';
import { fetchPublicKeys } from '../rebuilders/index.js';
import { EXIT, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { addRebuilderToPolicy, PolicyEditError, type NewRebuilder } from './policy-edit.js';
import { openSession } from './session.js';

export interface AddRebuilderOptions {
  readonly operator?: string;
  readonly type?: string;
  /** Pin without asking: the fingerprint was checked out of band. */
  readonly yes?: boolean;
  readonly policy?: string;
  readonly option?: readonly string[];
}

export interface AddRebuilderDeps {
  /** One line the user typed (without its newline); undefined at the end of input. */
  readonly readLine: () => Promise<string | undefined>;
}

export const defaultAddRebuilderDeps: AddRebuilderDeps = { readLine: readStdinLine };

export async function addRebuilderCommand(
  name: string,
  url: string,
  options: AddRebuilderOptions,
  io: CliIo,
  deps: AddRebuilderDeps = defaultAddRebuilderDeps,
): Promise<number> {
  if ((options.type ?? 'rebuilderd') !== 'rebuilderd') {
    throw new UsageError(`only a rebuilderd instance publishes its key; add a ${options.type} rebuilder and its key file to the policy by hand`);
  }
  const href = parseUrl(url);
  const runtime = await openSession({ ...(options.policy !== undefined ? { policy: options.policy } : {}), ...(options.option ? { option: options.option } : {}) }, io);
  try {
    const policyFile = runtime.settings.policyFile;
    const original = await readPolicyFile(policyFile);
    const entry = (keys: readonly string[]): NewRebuilder => ({ name, operator: options.operator, type: 'rebuilderd', url: href, keys });
    // A rebuilder the policy already names (as the shipped audit policy names Debian's)
    // only needs its key pinned at the path the policy gives: the policy stays as it is.
    const existing = parsePolicy(original.text, policyFile).rebuilders.find((r) => r.name === name);
    if (existing) checkExisting(existing, href, options);
    // Everything about the entry itself (name taken or unsafe, bad URL) is refused before the network is asked.
    else addRebuilderToPolicy(original.text, policyFile, entry([keyFileName(name, 0)]));

    if (!runtime.http) throw new UsageError('fetching the key needs the network');
    const pems = await fetchPublicKeys(href, { http: runtime.http });
    const fetched = await Promise.all(pems.map(async (pem) => ({ pem, keys: await loadPublicKeys(Buffer.from(pem), io.now()) })));
    io.stdout(`${href} publishes ${fetched.length === 1 ? '1 key' : `${fetched.length} keys`}:\n`);
    for (const { keys } of fetched) for (const key of keys) io.stdout(`  ${key.description}  ${key.fingerprint}\n`);

    const files = existing
      ? pinPaths(existing, fetched)
      : fetched.map((f, i) => ({ ...f, written: keyFileName(name, i), path: join(dirname(policyFile), keyFileName(name, i)) }));
    const newText = existing ? original.text : addRebuilderToPolicy(original.text, policyFile, entry(files.map((f) => f.written)));
    const fresh = [];
    for (const file of files) if (!(await holdsSameKeys(file.path, file.keys, io.now()))) fresh.push(file);

    if (!(await confirmed(name, fetched.length, options.yes ?? false, io, deps))) {
      io.stdout(`not pinned; ${policyFile} is unchanged\n`);
      return EXIT.finding;
    }

    const created: string[] = [];
    try {
      for (const file of fresh) {
        await writeNewFile(file.path, file.pem.endsWith('\n') ? file.pem : `${file.pem}\n`);
        created.push(file.path);
      }
      await replaceFile(policyFile, newText, original);
    } catch (e) {
      await removeAll(created);
      throw e;
    }

    const policy = await loadPolicy(policyFile, { readFile: (p) => readFile(p), now: io.now() }).catch(async (e: unknown) => {
      await replaceFile(policyFile, original.bytes, { stat: await stat(policyFile) });
      await removeAll(created);
      io.stderr(`reprogate: ${name} was not added: the policy does not load with it; ${policyFile} is as it was\n`);
      throw e;
    });
    for (const file of files) io.stdout(`${created.includes(file.path) ? 'wrote' : 'kept (same key)'} ${file.path}\n`);
    io.stdout(existing ? `pinned the key of ${name}, which ${policyFile} already names\n\n` : `added ${name} to ${policyFile}\n\n`);
    io.stdout(describePolicy(policy, io.now()));
    return EXIT.ok;
  } finally {
    await runtime.close();
  }
}

/** The policy already names this rebuilder: it must be the same instance, and its keys not pinned yet. */
function checkExisting(existing: RebuilderDocument, href: string, options: AddRebuilderOptions): void {
  if (existing.type !== 'rebuilderd' || existing.url !== href) {
    throw new PolicyEditError('POLICY_EDIT_NAME_TAKEN', `the policy already has a rebuilder "${existing.name}" (${existing.type === 'directory' ? existing.directory : existing.url}); choose another name`);
  }
  if (options.operator !== undefined && options.operator !== existing.operator) {
    throw new PolicyEditError('POLICY_EDIT_NAME_TAKEN', `rebuilder "${existing.name}" already belongs to operator "${existing.operator}"; edit the policy to change that`);
  }
}

/** Each published key goes to the path the policy already gives, so their numbers must match. */
function pinPaths<T>(existing: RebuilderDocument, fetched: readonly T[]): Array<T & { written: string; path: string }> {
  if (existing.keys.length !== fetched.length) {
    throw new PolicyEditError(
      'POLICY_EDIT_KEY_CONFLICT',
      `the policy gives rebuilder "${existing.name}" ${existing.keys.length} key file(s) but the instance publishes ${fetched.length} key(s); edit its keys list to match`,
    );
  }
  return fetched.map((f, i) => ({ ...f, written: existing.keys[i]!.file, path: existing.keys[i]!.file }));
}

/** `keys/NAME.pem`, then `keys/NAME.2.pem`… for an instance that publishes several keys. */
function keyFileName(name: string, index: number): string {
  return index === 0 ? `keys/${name}.pem` : `keys/${name}.${index + 1}.pem`;
}

function parseUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    throw new UsageError(`${JSON.stringify(url)} is not a URL; give the instance's base URL, like https://<rebuilder>/amd64/`);
  }
}

interface PolicyFileState {
  readonly text: string;
  /** Exactly as read, to put back if the edit must be undone. */
  readonly bytes: Uint8Array;
  readonly stat: Stats;
}

/** The policy as text, refused unless it is UTF-8 (writing it back must not change a byte we did not mean to). */
async function readPolicyFile(file: string): Promise<PolicyFileState> {
  let bytes: Buffer;
  let info: Stats;
  try {
    info = await stat(file);
    bytes = info.size > MAX_POLICY_SIZE ? Buffer.alloc(0) : await readFile(file);
  } catch (e) {
    throw new PolicyError('POLICY_FILE', { file }, `cannot read the policy file (${(e as Error).message})`, { cause: e });
  }
  if (info.size > MAX_POLICY_SIZE || bytes.length > MAX_POLICY_SIZE) throw new PolicyError('POLICY_TOO_LARGE', { file }, `policy is larger than ${MAX_POLICY_SIZE} bytes`);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes, stat: info };
  } catch (e) {
    throw new PolicyError('POLICY_SYNTAX', { file }, 'the policy file is not valid UTF-8 text', { cause: e });
  }
}

/**
 * True when the file exists and holds exactly these keys (pinning again is a no-op);
 * false when it does not exist. Anything else there is refused: a pinned key is
 * never replaced behind the admin's back.
 */
async function holdsSameKeys(path: string, keys: readonly PublicKey[], now: Date): Promise<boolean> {
  let existing: Buffer;
  try {
    existing = await readFile(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw new PolicyEditError('POLICY_EDIT_KEY_CONFLICT', `cannot read the existing key file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const pinned = await loadPublicKeys(existing, now).catch(() => []);
  const fingerprints = (list: readonly PublicKey[]): string => [...new Set(list.map((k) => k.fingerprint))].sort().join(' ');
  if (fingerprints(pinned) !== fingerprints(keys)) {
    throw new PolicyEditError('POLICY_EDIT_KEY_CONFLICT', `${path} already exists and holds another key; remove it first if the instance really changed its key`);
  }
  return true;
}

async function confirmed(name: string, count: number, yes: boolean, io: CliIo, deps: AddRebuilderDeps): Promise<boolean> {
  if (yes) return true;
  if (!io.isTTY) {
    throw new PolicyEditError(
      'POLICY_EDIT_UNCONFIRMED',
      'refusing to pin without confirmation: not on a terminal; check the fingerprint out of band, then run again with --yes',
    );
  }
  io.stdout(`Pin ${count === 1 ? 'this key' : `these ${count} keys`} for ${name}? [y/N] `);
  const answer = await deps.readLine();
  if (answer === undefined) io.stdout('\n');
  return /^\s*y(es)?\s*$/i.test(answer ?? '');
}

/** A new file, never replacing one: written under a temporary name, then linked (EEXIST if one appeared meanwhile). */
async function writeNewFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const temp = tempPath(path);
  await writeSynced(temp, text, 0o644);
  try {
    await link(temp, path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EEXIST') throw new PolicyEditError('POLICY_EDIT_KEY_CONFLICT', `${path} appeared while reprogate was writing it; run the command again`);
    throw new PolicyEditError('POLICY_EDIT_WRITE', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Temporary file beside the policy, renamed over it: readers see the old policy or the new one, never half of one. */
async function replaceFile(path: string, content: string | Uint8Array, seen: Pick<PolicyFileState, 'stat'>): Promise<void> {
  const temp = tempPath(path);
  try {
    await writeSynced(temp, content, seen.stat.mode & 0o7777, seen.stat);
    const now = await stat(path);
    if (now.ino !== seen.stat.ino || now.size !== seen.stat.size || now.mtimeMs !== seen.stat.mtimeMs) {
      throw new PolicyEditError('POLICY_EDIT_CHANGED', `${path} changed while reprogate was editing it; it was left as it is, run the command again`);
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof PolicyEditError) throw e;
    throw new PolicyEditError('POLICY_EDIT_WRITE', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  const dir = await open(dirname(path), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function writeSynced(path: string, content: string | Uint8Array, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(content);
    if (owner !== undefined && process.getuid?.() === 0) await file.chown(owner.uid, owner.gid);
    await file.chmod(mode);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Hidden, in the same folder (so the rename stays on one file system). */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.reprogate-${randomBytes(6).toString('hex')}`);
}

async function removeAll(paths: readonly string[]): Promise<void> {
  for (const path of paths) await unlink(path).catch(() => undefined);
}

/** One line from standard input, for the confirmation question. */
export function readStdinLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin, terminal: false });
    let answer: string | undefined;
    lines.once('line', (line) => {
      answer = line;
      lines.close();
    });
    lines.once('close', () => resolve(answer));
  });
}
