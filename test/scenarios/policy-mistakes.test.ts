/**
 * Threat: a policy that does not say what its author meant — a misspelt field
 * silently ignored (`treshold: 3` leaving the default), an unknown field, a key file
 * that is missing or is the private key, an exemption with no reason or no end, a
 * threshold nobody can meet. Read leniently, each fails open in the admin's head.
 *
 * Stopped by: src/policy/parse-policy.ts and yaml-reader.ts (strict fields, a code
 * and the file, line and field path for each mistake, with a "did you mean"),
 * src/policy/load-policy.ts (key files must load) and src/runtime/check-deb.ts (an
 * unusable policy refuses every package: REFUSED_POLICY).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyErrorCode } from '../../src/policy/index.js';
import type { BuiltDeb } from '../support/aptlab/index.js';
import { makeSigner } from '../support/intoto-sign.js';
import { policyFrom } from '../support/policy-fixture.js';
import { check, NOW, policyErrorOf, policyYaml, realDeb, scratch, served } from './support/world.js';

const debian = makeSigner();
const notset = makeSigner();
const KEYS = { 'keys/debian.pem': debian.rebuilderdPem, 'keys/notset.pem': notset.publicPem };
const GOOD = policyYaml({ threshold: 2, rebuilders: [{ name: 'debian', keys: ['keys/debian.pem'] }, { name: 'notset', keys: ['keys/notset.pem'] }] });
let tmp: Awaited<ReturnType<typeof scratch>>;
let deb: BuiltDeb;

beforeAll(async () => {
  tmp = await scratch('policy');
  deb = await realDeb(tmp.dir, { name: 'hello', version: '2.0-1' });
});
afterAll(() => tmp.remove());

const exemption = (body: string) => `rules:\n  - match: { package: "linux-image-*" }\n    exempt: ${body}\n`;

const MISTAKES: readonly [string, string, Record<string, string>, PolicyErrorCode, { line?: number; path?: string; says?: RegExp }][] = [
  ['a misspelt top-level field', GOOD.replace('threshold: 2', 'treshold: 2'), KEYS, 'POLICY_FIELD', { line: 2, says: /threshold/ }],
  ['an unknown rebuilder field', GOOD.replace('type: sources,', 'type: sources, fingerprint: "ABCD",'), KEYS, 'POLICY_FIELD', { line: 4 }],
  ['a missing key file', GOOD, { 'keys/debian.pem': debian.rebuilderdPem }, 'POLICY_KEY_FILE', { line: 5, path: 'rebuilders[1].keys[0]', says: /notset\.pem/ }],
  ['a private key pinned instead of the public one', GOOD, { ...KEYS, 'keys/notset.pem': notset.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'POLICY_KEY_FILE', { says: /KEY_FORMAT/ }],
  ['an exemption without a reason', GOOD + exemption('{ until: 2027-06-30 }'), KEYS, 'POLICY_MISSING', { says: /reason/ }],
  ['an exemption with an empty reason', GOOD + exemption('{ reason: "  ", until: 2027-06-30 }'), KEYS, 'POLICY_VALUE', { says: /reason/ }],
  ['an exemption without an end date', GOOD + exemption('{ reason: "kernels are not reproducible yet" }'), KEYS, 'POLICY_MISSING', { says: /until/ }],
  ['an exemption ending on a day that does not exist', GOOD + exemption('{ reason: "kernels", until: 2027-02-30 }'), KEYS, 'POLICY_VALUE', { says: /calendar date/ }],
  ['a threshold of zero', GOOD.replace('threshold: 2', 'threshold: 0'), KEYS, 'POLICY_VALUE', { line: 2 }],
  ['a threshold two operators cannot meet', GOOD.replace('threshold: 2', 'threshold: 3'), KEYS, 'POLICY_THRESHOLD', { line: 2 }],
  ['a field written twice', GOOD.replace('threshold: 2', 'threshold: 2\nthreshold: 1'), KEYS, 'POLICY_SYNTAX', {}],
  ['a later format version', GOOD.replace('version: 1', 'version: 2'), KEYS, 'POLICY_VALUE', { line: 1 }],
];

describe('policy mistakes are errors that say where, and refuse everything', () => {
  it.each(MISTAKES)('%s', async (_what, yaml, files, code, where) => {
    const error = await policyErrorOf(policyFrom(yaml, files, NOW));
    expect(error.code).toBe(code);
    expect(error.file).toBe('/etc/reprogate/policy.yaml');
    if (where.line !== undefined) expect(error.line).toBe(where.line);
    if (where.path !== undefined) expect(error.path).toBe(where.path);
    if (where.says !== undefined) expect(error.message).toMatch(where.says);
    expect(error.message).not.toContain('\n');

    const { verdict } = await check({ path: deb.path }, { policy: error, answers: { debian: served(Buffer.from('{}')) } });
    expect(verdict).toMatchObject({ code: 'REFUSED_POLICY', accepted: false, enforced: true });
    expect(verdict.detail).toContain(`[${code}]`);
  });

  /**
   * Text from the policy (a misspelt field name, YAML's own syntax messages) reaches the
   * terminal only escaped: every ReprogateError message is one bounded, printable line
   * (src/errors.ts). Found by fuzzing.
   */
  it('a misspelt field name with a control character is shown escaped, also in the field path', async () => {
    const error = await policyErrorOf(policyFrom(GOOD.replace('threshold: 2', '"thres\u001bhold": 2'), KEYS, NOW));
    expect(error.code).toBe('POLICY_FIELD');
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('control: the policy without the mistake loads', async () => {
    await expect(policyFrom(GOOD, KEYS, NOW)).resolves.toMatchObject({ threshold: 2, mode: 'enforce' });
  });

  it('the one documented softening: an audit policy goes on without a key file that is not pinned yet, and says so', async () => {
    const policy = await policyFrom(GOOD.replace('version: 1', 'version: 1\nmode: audit'), { 'keys/debian.pem': debian.rebuilderdPem }, NOW);
    expect(policy.mode).toBe('audit');
    expect(policy.warnings).toEqual([expect.stringContaining('notset.pem')]);
    expect(policy.rebuilders.find((r) => r.name === 'notset')?.keys).toEqual([]);
  });
});
