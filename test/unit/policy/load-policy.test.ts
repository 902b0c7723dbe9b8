import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { InTotoError } from '../../../src/in-toto/index.js';
import { loadPolicy, type PolicyLoaderDeps } from '../../../src/policy/index.js';
import { policyRejection } from './helpers.js';

// Keys and layouts made by Debian's in-toto tools (see test/vectors/in-toto-run/generate.sh).
const VECTORS = path.resolve('test/vectors/in-toto-run');
const POLICY = path.join(VECTORS, 'policy.yaml');
const NOW = new Date('2026-01-01T00:00:00Z');

/** The policy comes from memory, as if it sat next to the vectors; every other path is read from disk. */
function deps(policy: string | Uint8Array, extra: Record<string, string> = {}): PolicyLoaderDeps & { reads: string[] } {
  const reads: string[] = [];
  return {
    now: NOW,
    reads,
    readFile: async (file) => {
      reads.push(file);
      if (file === POLICY) return typeof policy === 'string' ? new TextEncoder().encode(policy) : policy;
      const inMemory = extra[file];
      return inMemory === undefined ? new Uint8Array(await readFile(file)) : new TextEncoder().encode(inMemory);
    },
  };
}

const rebuilder = (name: string, key: string, operator = name): string =>
  `  - { name: ${name}, operator: ${operator}, type: rebuilderd, url: "https://${name}.example/", keys: [${key}] }`;

const THREE = ['version: 1', 'threshold: 2', 'rebuilders:', rebuilder('ed', 'keys/ed25519.pub'), rebuilder('ec', 'keys/ecdsa.pub'), rebuilder('gpg', 'keys/gpg-rsa-subkey.asc')];

/** The vectors' root.layout: its rebuild step authorises these six keys with threshold 6. */
const STEP_KEYS = ['gpg-rsa-subkey.asc', 'gpg-eddsa.asc', 'gpg-dsa.asc', 'ed25519.pub', 'rsa.pub', 'ecdsa.pub'];
const trustRootPolicy = (layout: string, signer: string, keys = STEP_KEYS): string =>
  [
    'version: 1',
    'trust-root:',
    `  layout: layouts/${layout}`,
    `  keys: [keys/${signer}]`,
    'rebuilders:',
    ...keys.map((key, i) => rebuilder(`r${i}`, `keys/${key}`)),
    '',
  ].join('\n');

describe('loadPolicy', () => {
  it('reads the policy and its key files and binds real keys of every format', async () => {
    const policy = await loadPolicy(POLICY, deps([...THREE, ''].join('\n')));
    expect(policy.threshold).toBe(2);
    const [ed, ec, gpg] = policy.rebuilders;
    expect(ed!.keys).toHaveLength(1);
    expect(ec!.keys[0]!.scheme).toBe('ecdsa-sha2-nistp256');
    // An OpenPGP certificate with a signing subkey: two keys, one identity.
    expect(gpg!.keys).toHaveLength(2);
    expect(new Set(gpg!.keys.map((k) => k.identity)).size).toBe(1);
  });

  it('reads a key file named twice only once', async () => {
    const text = ['version: 1', 'threshold: 1', 'rebuilders:', rebuilder('a', 'keys/ed25519.pub', 'one'), rebuilder('b', 'keys/ed25519.pub', 'one'), ''].join('\n');
    const io = deps(text);
    await loadPolicy(POLICY, io);
    expect(io.reads).toEqual([POLICY, path.join(VECTORS, 'keys/ed25519.pub')]);
  });

  it('refuses a policy file it cannot read', async () => {
    const error = await policyRejection(loadPolicy(path.join(VECTORS, 'absent.yaml'), deps('')), 'POLICY_FILE');
    expect(error.message).toContain('absent.yaml');
    expect(error.message).toContain('ENOENT');
  });

  it('refuses a policy file whose reader fails with something other than an Error', async () => {
    const error = await policyRejection(loadPolicy(POLICY, { now: NOW, readFile: () => Promise.reject(new Error('EACCES: permission denied')) }), 'POLICY_FILE');
    expect(error.message).toBe(`${POLICY}: cannot read the policy file ${POLICY} (EACCES: permission denied)`);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    const odd = await policyRejection(loadPolicy(POLICY, { now: NOW, readFile: () => Promise.reject('gone') }), 'POLICY_FILE');
    expect(odd.message).toContain('(gone)');
  });

  it('refuses an oversized policy file before decoding it', async () => {
    await policyRejection(loadPolicy(POLICY, deps(new Uint8Array(256 * 1024 + 1))), 'POLICY_TOO_LARGE');
  });

  it('refuses a policy that is not UTF-8', async () => {
    await policyRejection(loadPolicy(POLICY, deps(new Uint8Array([0x76, 0x65, 0xff, 0xfe]))), 'POLICY_SYNTAX');
  });

  it('passes parse errors through with their location', async () => {
    const error = await policyRejection(loadPolicy(POLICY, deps('version: 1\ntreshold: 1\n')), 'POLICY_FIELD');
    expect(error.message).toBe(`${POLICY}:2: treshold: unknown field "treshold"; did you mean "threshold"?`);
  });

  it('says exactly which key file is missing and which field named it', async () => {
    const text = [...THREE.slice(0, 4), rebuilder('ec', 'keys/missing.pub'), rebuilder('gpg', 'keys/also-missing.pub'), ''].join('\n');
    const error = await policyRejection(loadPolicy(POLICY, deps(text)), 'POLICY_KEY_FILE');
    expect([error.path, error.line]).toEqual(['rebuilders[1].keys[0]', 5]);
    expect(error.message).toContain(`cannot read key file ${path.join(VECTORS, 'keys/missing.pub')} (ENOENT`);
    expect((error.cause as { code?: string }).code).toBe('ENOENT');
  });

  it('in audit mode goes on without a key file that is not pinned yet, and says so', async () => {
    const audit = ['version: 1', 'mode: audit', 'threshold: 1', 'rebuilders:', rebuilder('ed', 'keys/ed25519.pub'), rebuilder('gone', 'keys/not-pinned.pem')].join('\n');
    const policy = await loadPolicy(POLICY, deps(audit));
    expect(policy.rebuilders.find((r) => r.name === 'gone')!.keys).toEqual([]);
    expect(policy.warnings).toHaveLength(1);
    expect(policy.warnings[0]).toContain(path.join(VECTORS, 'keys/not-pinned.pem'));
    // Enforce mode refuses the same policy.
    await policyRejection(loadPolicy(POLICY, deps(audit.replace('mode: audit', 'mode: enforce'))), 'POLICY_KEY_FILE');
  });

  it('refuses a key file that holds no usable key, keeping the in-toto error as the cause', async () => {
    const garbage = path.join(VECTORS, 'keys/garbage.pub');
    const text = [...THREE.slice(0, 3), rebuilder('g', 'keys/garbage.pub'), ''].join('\n').replace('threshold: 2', 'threshold: 1');
    const error = await policyRejection(loadPolicy(POLICY, deps(text, { [garbage]: 'not a key' })), 'POLICY_KEY_FILE');
    expect([error.path, error.line]).toEqual(['rebuilders[0].keys[0]', 4]);
    expect(error.message).toContain('KEY_FORMAT');
    expect(error.cause).toBeInstanceOf(InTotoError);
  });

  it('refuses a private key pinned by mistake', async () => {
    const secret = path.join(VECTORS, 'keys/secret.pem');
    const text = ['version: 1', 'threshold: 1', 'rebuilders:', rebuilder('a', 'keys/secret.pem'), ''].join('\n');
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';
    await policyRejection(loadPolicy(POLICY, deps(text, { [secret]: pem })), 'POLICY_KEY_FILE');
  });

  it('refuses one key pinned for two operators', async () => {
    const text = ['version: 1', 'threshold: 1', 'rebuilders:', rebuilder('a', 'keys/ed25519.pub'), rebuilder('b', 'keys/ed25519.pub'), ''].join('\n');
    await policyRejection(loadPolicy(POLICY, deps(text)), 'POLICY_KEY_OPERATORS');
  });

  describe('with a trust root', () => {
    it("verifies the layout with its signer's key and takes the rebuild step's threshold", async () => {
      const policy = await loadPolicy(POLICY, deps(trustRootPolicy('root.layout', 'layout-owner-ed25519.pub')));
      expect(policy).toMatchObject({ threshold: 6, thresholdSource: 'trust-root' });
      expect(policy.trustRoot?.layout).toBe(path.join(VECTORS, 'layouts/root.layout'));
      expect(policy.trustRoot?.signers).toHaveLength(1);
      expect(policy.trustRoot?.expires.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    });

    it('refuses an expired layout', async () => {
      const error = await policyRejection(loadPolicy(POLICY, deps(trustRootPolicy('root.expired.layout', 'layout-owner-ed25519.pub'))), 'POLICY_TRUST_ROOT');
      expect([error.path, error.line]).toEqual(['trust-root.layout', 3]);
      expect((error.cause as InTotoError).code).toBe('LAYOUT_EXPIRED');
    });

    it('refuses a layout not signed by the named key', async () => {
      const error = await policyRejection(loadPolicy(POLICY, deps(trustRootPolicy('root.layout', 'ed25519.pub'))), 'POLICY_TRUST_ROOT');
      expect((error.cause as InTotoError).code).toBe('LAYOUT_SIGNATURE');
    });

    it('refuses a missing layout file, naming the field', async () => {
      const error = await policyRejection(loadPolicy(POLICY, deps(trustRootPolicy('absent.layout', 'layout-owner-ed25519.pub'))), 'POLICY_TRUST_ROOT');
      expect([error.path, error.line]).toEqual(['trust-root.layout', 3]);
      expect(error.message).toContain('cannot read trust-root layout');
    });

    it("refuses a rebuilder key outside the layout's rebuild step", async () => {
      const keys = [...STEP_KEYS.slice(0, 5), 'layout-owner-ed25519.pub'];
      const error = await policyRejection(loadPolicy(POLICY, deps(trustRootPolicy('root.layout', 'layout-owner-ed25519.pub', keys))), 'POLICY_TRUST_ROOT');
      expect(error.path).toBe('rebuilders[5].keys[0]');
    });
  });
});
