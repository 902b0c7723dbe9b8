/**
 * `reprogate policy add-rebuilder` against a loopback rebuilderd that publishes its
 * key: the fingerprint is shown, nothing is pinned without a confirmation, and
 * when it is pinned the key file and the policy entry appear together, or
 * neither does.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { addRebuilderCommand, type AddRebuilderOptions } from '../../../src/cli/add-rebuilder.js';
import { runCli } from '../../../src/cli/program.js';
import { loadPublicKeys } from '../../../src/in-toto/index.js';
import { makeSigner } from '../../support/intoto-sign.js';
import { startRebuilderServer, type RebuilderServer } from '../../support/rebuilder-server.js';
import { recordingIo } from './helpers.js';

const lab = mkdtempSync(join(tmpdir(), 'reprogate-add-rebuilder-'));
const instance = makeSigner();
const pinned = makeSigner();
let server: RebuilderServer;
let fingerprint: string;

beforeAll(async () => {
  server = await startRebuilderServer({ basePath: '/amd64/', publicKeys: [instance.rebuilderdPem] });
  fingerprint = (await loadPublicKeys(Buffer.from(instance.rebuilderdPem), new Date()))[0]!.fingerprint;
});
afterAll(async () => {
  await server?.close();
  rmSync(lab, { recursive: true, force: true });
});

const POLICY = [
  '# our policy',
  'version: 1',
  'threshold: 1',
  'rebuilders:',
  '  - name: debian',
  '    type: rebuilderd',
  '    url: https://rebuilder.example/all/   # the all instance',
  '    keys: [keys/debian.pem]',
  '# end',
  '',
].join('\n');

let dir: string;
let policy: string;

beforeEach(() => {
  // apt's defaults only: no proxy or CA settings from the machine running the tests.
  vi.stubEnv('APT_CONFIG', '/dev/null');
  dir = mkdtempSync(join(lab, 'etc-'));
  policy = join(dir, 'policy.yaml');
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys/debian.pem'), pinned.publicPem);
  writeFileSync(policy, POLICY);
  chmodSync(policy, 0o640);
  server.clearLog();
  server.setPublicKeys([instance.rebuilderdPem]);
});
afterEach(() => {
  vi.unstubAllEnvs();
  server.clearFaults();
});

const run = (io: ReturnType<typeof recordingIo>, options: AddRebuilderOptions = {}, answer?: string, name = 'evolix') =>
  addRebuilderCommand(name, server.url, { policy, option: [`Reprogate::Cache=${join(dir, 'cache')}`], ...options }, io, { readLine: () => Promise.resolve(answer) });

describe('reprogate policy add-rebuilder', () => {
  it('shows the fingerprint, asks on a terminal, and on "y" pins the key and adds the rebuilder, keeping the rest of the file', async () => {
    const io = recordingIo({ isTTY: true });
    expect(await run(io, {}, 'y')).toBe(0);
    const out = io.out();
    expect(out).toContain(`${server.url} publishes 1 key:\n  ed25519 `);
    expect(out).toContain(`  ${fingerprint}\nPin this key for evolix? [y/N] `);
    expect(out).toContain(`wrote ${join(dir, 'keys/evolix.pem')}\nadded evolix to ${policy}\n`);
    // Then what `reprogate policy check` prints about the result.
    expect(out).toContain(`Policy ${policy}\n`);
    expect(out).toMatch(/evolix {2}rebuilderd {2}http:\/\/127\.0\.0\.1:\d+\/amd64\/\n {6}ed25519 /);

    expect(readFileSync(join(dir, 'keys/evolix.pem'), 'utf8')).toBe(instance.rebuilderdPem);
    expect(readFileSync(policy, 'utf8')).toBe(
      POLICY.replace('# end\n', `  - name: evolix\n    type: rebuilderd\n    url: ${server.url}\n    keys: [keys/evolix.pem]\n# end\n`),
    );
    // Replaced, not rewritten in place: same permissions, no temporary file left.
    expect(statSync(policy).mode & 0o777).toBe(0o640);
    expect([...readdirSync(dir), ...readdirSync(join(dir, 'keys'))].filter((n) => n.startsWith('.'))).toEqual([]);
    expect(server.requestsTo('api/v1/meta/public-keys')).toHaveLength(1);
  });

  it('writes --operator into the entry', async () => {
    expect(await run(recordingIo(), { yes: true, operator: 'debian' })).toBe(0);
    expect(readFileSync(policy, 'utf8')).toContain('  - name: evolix\n    operator: debian\n    type: rebuilderd\n');
  });

  it('pins nothing when the answer is not yes (exit 1)', async () => {
    for (const answer of ['', 'n', 'no', 'yess', undefined]) {
      const io = recordingIo({ isTTY: true });
      expect(await run(io, {}, answer)).toBe(1);
      expect(io.out()).toContain(`not pinned; ${policy} is unchanged\n`);
    }
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
    expect(existsSync(join(dir, 'keys/evolix.pem'))).toBe(false);
  });

  it('refuses to pin without confirmation when not on a terminal, unless --yes', async () => {
    await expect(run(recordingIo({ isTTY: false }), {}, 'y')).rejects.toMatchObject({
      code: 'POLICY_EDIT_UNCONFIRMED',
      message: expect.stringContaining('refusing to pin without confirmation'),
    });
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
    expect(existsSync(join(dir, 'keys/evolix.pem'))).toBe(false);
    expect(await run(recordingIo({ isTTY: false }), { yes: true })).toBe(0);
    expect(existsSync(join(dir, 'keys/evolix.pem'))).toBe(true);
  });

  it('refuses a name the policy already has for another instance before asking the network (exit 2 from the program)', async () => {
    const io = recordingIo();
    expect(await runCli(['policy', 'add-rebuilder', 'debian', server.url, '--yes', '--policy', policy], io)).toBe(2);
    expect(io.err()).toContain('already has a rebuilder "debian" (https://rebuilder.example/all/); choose another name [POLICY_EDIT_NAME_TAKEN]');
    expect(server.requests).toHaveLength(0);
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
  });

  it('pins the key of a rebuilder the policy already names (the shipped audit policy) at the path it gives, leaving the policy alone', async () => {
    const named = POLICY.replace('https://rebuilder.example/all/   # the all instance', `${server.url}   # the instance`);
    writeFileSync(policy, named);
    rmSync(join(dir, 'keys/debian.pem'));
    const io = recordingIo();
    expect(await run(io, { yes: true }, undefined, 'debian')).toBe(0);
    expect(readFileSync(policy, 'utf8')).toBe(named);
    expect(readFileSync(join(dir, 'keys/debian.pem'), 'utf8')).toBe(instance.rebuilderdPem);
    expect(io.out()).toContain(`pinned the key of debian, which ${policy} already names`);
    // Another instance under that name is still refused.
    const other = recordingIo();
    await expect(addRebuilderCommand('debian', 'https://elsewhere.example/', { policy, yes: true }, other)).rejects.toMatchObject({ code: 'POLICY_EDIT_NAME_TAKEN' });
  });

  it('refuses a name that is not a safe file name before anything else', async () => {
    await expect(run(recordingIo(), { yes: true }, undefined, '../evil')).rejects.toMatchObject({ code: 'POLICY_VALUE', path: 'rebuilders[1].name' });
    expect(server.requests).toHaveLength(0);
  });

  it('keeps an existing key file holding the same key, and refuses one holding another', async () => {
    writeFileSync(join(dir, 'keys/evolix.pem'), instance.publicPem);
    const same = recordingIo();
    expect(await run(same, { yes: true })).toBe(0);
    expect(same.out()).toContain(`kept (same key) ${join(dir, 'keys/evolix.pem')}\n`);
    expect(readFileSync(join(dir, 'keys/evolix.pem'), 'utf8')).toBe(instance.publicPem);

    writeFileSync(policy, POLICY);
    writeFileSync(join(dir, 'keys/evolix.pem'), makeSigner().publicPem);
    await expect(run(recordingIo(), { yes: true })).rejects.toMatchObject({ code: 'POLICY_EDIT_KEY_CONFLICT' });
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
  });

  it('puts the old policy back and removes the new key file when the result does not load', async () => {
    // The instance's key is already pinned for another operator: one key may not vouch for two.
    server.setPublicKeys([pinned.publicPem]);
    const io = recordingIo();
    await expect(run(io, { yes: true })).rejects.toMatchObject({ code: 'POLICY_KEY_OPERATORS' });
    expect(io.err()).toBe(`reprogate: evolix was not added: the policy does not load with it; ${policy} is as it was\n`);
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
    expect(statSync(policy).mode & 0o777).toBe(0o640);
    expect(existsSync(join(dir, 'keys/evolix.pem'))).toBe(false);
  });

  it('pins every key of an instance that publishes several, one file each', async () => {
    const second = makeSigner();
    server.setPublicKeys([instance.rebuilderdPem, second.rebuilderdPem]);
    const io = recordingIo({ isTTY: true });
    expect(await run(io, {}, 'yes')).toBe(0);
    expect(io.out()).toContain('publishes 2 keys:\n');
    expect(io.out()).toContain('Pin these 2 keys for evolix? [y/N] ');
    expect(readFileSync(join(dir, 'keys/evolix.2.pem'), 'utf8')).toBe(second.rebuilderdPem);
    expect(readFileSync(policy, 'utf8')).toContain('    keys: [keys/evolix.pem, keys/evolix.2.pem]\n');
  });

  it('fails with the rebuilder’s code when the instance publishes no key, and changes nothing', async () => {
    server.fault(/public-keys$/, { kind: 'status', status: 404 });
    await expect(run(recordingIo(), { yes: true })).rejects.toMatchObject({ code: 'REBUILDER_NOT_FOUND' });
    server.clearFaults();
    server.fault('api/v1/meta/public-keys', { kind: 'body', bytes: '{"current":["not a key"]}' });
    await expect(run(recordingIo(), { yes: true })).rejects.toMatchObject({ code: 'REBUILDER_BAD_RESPONSE' });
    expect(readFileSync(policy, 'utf8')).toBe(POLICY);
  });

  it('accepts only rebuilderd and a real URL (exit 2)', async () => {
    const sources = recordingIo();
    expect(await runCli(['policy', 'add-rebuilder', 'x', server.url, '--type', 'sources', '--policy', policy], sources)).toBe(2);
    expect(sources.err()).toContain('--type');
    await expect(run(recordingIo(), { yes: true, type: 'sources' })).rejects.toMatchObject({ code: 'CLI_USAGE' });
    await expect(addRebuilderCommand('x', 'not a url', { policy }, recordingIo())).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });
});
