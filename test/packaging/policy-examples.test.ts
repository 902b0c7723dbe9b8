/**
 * The policies we ship: the examples under policy-examples/ and the audit policy
 * installed as /etc/reprogate/policy.yaml. Each must parse, say in its opening
 * comment which files the admin has to provide, load once those files exist, and,
 * when one is missing, fail with POLICY_KEY_FILE naming exactly that file and the
 * field that references it (the message `reprogate policy check` prints).
 * Keys are throwaway ones generated into a temporary copy; no key is shipped.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JsonObject } from '../../src/in-toto/index.js';
import { loadPolicy, parsePolicy, PolicyError, type Policy } from '../../src/policy/index.js';
import { makeSigner, signMetablock, type TestSigner } from '../support/intoto-sign.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const LAYOUT_EXPIRES = '2030-01-01T00:00:00Z';

type KeyFormat = 'rebuilderd-pem' | 'sslib-json';

interface Example {
  readonly file: string;
  readonly mode: 'enforce' | 'audit';
  /** Key files relative to the policy, each with the first field that names it and the format the admin would get. */
  readonly keys: ReadonlyArray<{ readonly file: string; readonly field: string; readonly format: KeyFormat }>;
  /** Layout file relative to the policy, when the example uses a trust root. */
  readonly layout?: { readonly file: string; readonly owner: string; readonly rebuilderKey: string };
  /** What the admin should end up with once every file is in place. */
  readonly loaded: { readonly threshold: number; readonly thresholdSource: Policy['thresholdSource']; readonly operators: readonly string[] };
}

const debianKeys = [
  { file: 'keys/debian-all.pem', field: 'rebuilders[0].keys[0]', format: 'rebuilderd-pem' },
  { file: 'keys/debian-amd64.pem', field: 'rebuilders[1].keys[0]', format: 'rebuilderd-pem' },
] as const;
const secondOperatorKey = { file: 'keys/evolix.pem', field: 'rebuilders[2].keys[0]', format: 'rebuilderd-pem' } as const;

const EXAMPLES: readonly Example[] = [
  {
    file: 'debian/policy.yaml',
    mode: 'audit',
    keys: debianKeys,
    loaded: { threshold: 1, thresholdSource: 'policy', operators: ['debian'] },
  },
  {
    file: 'policy-examples/debian-rebuilderd.yaml',
    mode: 'enforce',
    keys: debianKeys,
    loaded: { threshold: 1, thresholdSource: 'policy', operators: ['debian'] },
  },
  {
    file: 'policy-examples/qubes-template.yaml',
    mode: 'enforce',
    keys: [...debianKeys, secondOperatorKey],
    loaded: { threshold: 2, thresholdSource: 'policy', operators: ['debian', 'evolix'] },
  },
  {
    file: 'policy-examples/audit-only.yaml',
    mode: 'audit',
    keys: [...debianKeys, secondOperatorKey],
    loaded: { threshold: 2, thresholdSource: 'policy', operators: ['debian', 'evolix'] },
  },
  {
    file: 'policy-examples/legacy-intoto-layout.yaml',
    mode: 'enforce',
    keys: [
      // Named by both rebuilders (one operator at two URLs); the first reference is the one reported.
      { file: 'keys/rebuilder.pub', field: 'rebuilders[0].keys[0]', format: 'sslib-json' },
      { file: 'keys/layout-owner.pub', field: 'trust-root.keys[0]', format: 'sslib-json' },
    ],
    layout: { file: 'root.layout', owner: 'keys/layout-owner.pub', rebuilderKey: 'keys/rebuilder.pub' },
    loaded: { threshold: 1, thresholdSource: 'trust-root', operators: ['rebuilder'] },
  },
];

/** A throwaway folder per test run; every copy of an example lives under it. */
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'reprogate-policy-examples-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const readText = (file: string): Promise<string> => readFile(path.resolve(file), 'utf8');
const fromDisk = { now: NOW, readFile: (file: string) => readFile(file) };

/** The 1-based line of the first policy line (not a comment) that names `file` as a list item. */
function lineNaming(text: string, file: string): number {
  const index = text.split('\n').findIndex((line) => !line.trimStart().startsWith('#') && line.includes(`[${file}]`));
  expect(index, `no policy line names ${file}`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** The comment block the file opens with. */
function openingComment(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('#'));
  return lines.slice(0, end).join('\n');
}

/** A layout like Qubes' root.layout: a `rebuild` step authorising `rebuilder` with threshold 1, signed by `owner`. */
function signedLayout(owner: TestSigner, rebuilder: TestSigner): Buffer {
  const body: JsonObject = {
    _type: 'layout',
    expires: LAYOUT_EXPIRES,
    readme: '',
    keys: { [rebuilder.keyid]: JSON.parse(rebuilder.sslibJson) as JsonObject },
    steps: [
      {
        _type: 'step',
        name: 'rebuild',
        threshold: 1,
        pubkeys: [rebuilder.keyid],
        expected_command: [],
        expected_materials: [],
        expected_products: [['CREATE', '*.deb'], ['DISALLOW', '*.deb']],
      },
    ],
    inspect: [
      {
        _type: 'inspection',
        name: 'verify-reprobuilds',
        run: ['/usr/bin/true'],
        expected_materials: [['MATCH', '*.deb', 'WITH', 'PRODUCTS', 'FROM', 'rebuild'], ['DISALLOW', '*.deb']],
        expected_products: [],
      },
    ],
  };
  return signMetablock(body, [owner]);
}

/**
 * Copy the example into a fresh folder with throwaway keys for every key file
 * except those in `omit` (and the layout unless omitted), optionally switching its mode.
 * Returns the copy's path.
 */
async function provision(example: Example, options: { omit?: readonly string[]; mode?: 'enforce' } = {}): Promise<string> {
  const folder = await mkdtemp(path.join(scratch, 'copy-'));
  let text = await readText(example.file);
  if (options.mode !== undefined) text = text.replace(/^mode: \w+$/m, `mode: ${options.mode}`);
  const policyFile = path.join(folder, path.basename(example.file));
  await writeFile(policyFile, text);

  const signers = new Map<string, TestSigner>();
  for (const key of example.keys) {
    const signer = makeSigner();
    signers.set(key.file, signer);
    if (options.omit?.includes(key.file)) continue;
    await mkdir(path.dirname(path.join(folder, key.file)), { recursive: true });
    await writeFile(path.join(folder, key.file), key.format === 'rebuilderd-pem' ? signer.rebuilderdPem : signer.sslibJson);
  }
  const layout = example.layout;
  if (layout !== undefined && !options.omit?.includes(layout.file)) {
    await writeFile(path.join(folder, layout.file), signedLayout(signers.get(layout.owner)!, signers.get(layout.rebuilderKey)!));
  }
  return policyFile;
}

async function loadError(policyFile: string): Promise<PolicyError> {
  const outcome = await loadPolicy(policyFile, fromDisk).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, `${policyFile} loaded although a file is missing`).toBeInstanceOf(PolicyError);
  return outcome as PolicyError;
}

describe.each(EXAMPLES)('$file', (example) => {
  it('parses, in the mode its comment promises', async () => {
    const doc = parsePolicy(await readText(example.file), path.resolve(example.file));
    expect(doc.mode).toBe(example.mode);
    expect(new Set(doc.rebuilders.map((r) => r.operator))).toEqual(new Set(example.loaded.operators));
  });

  it('names every file the admin must provide in its opening comment', async () => {
    const comment = openingComment(await readText(example.file));
    for (const file of [...example.keys.map((k) => k.file), ...(example.layout ? [example.layout.file] : [])]) {
      expect(comment, `opening comment of ${example.file}`).toContain(file);
    }
    expect(comment).toContain('reprogate policy add-rebuilder');
  });

  it('loads with throwaway keys in place', async () => {
    const policy = await loadPolicy(await provision(example), fromDisk);
    expect(policy).toMatchObject({ mode: example.mode, threshold: example.loaded.threshold, thresholdSource: example.loaded.thresholdSource });
    expect(policy.warnings).toEqual([]);
    expect(new Set(policy.rebuilders.map((r) => r.operator))).toEqual(new Set(example.loaded.operators));
    for (const rebuilder of policy.rebuilders) expect(rebuilder.keys, rebuilder.name).toHaveLength(1);
  });

  // Enforcing is where a missing key must stop everything; audit copies are switched to enforce.
  it.each(example.keys)('refuses to enforce without $file, naming it and $field', async (key) => {
    const policyFile = await provision(example, { omit: [key.file], mode: 'enforce' });
    const error = await loadError(policyFile);
    const text = await readFile(policyFile, 'utf8');
    const line = lineNaming(text, key.file);
    expect(error.code).toBe('POLICY_KEY_FILE');
    expect([error.path, error.line]).toEqual([key.field, line]);
    const missing = path.join(path.dirname(policyFile), key.file);
    expect(error.message).toMatch(new RegExp(`^${escape(`${policyFile}:${line}: ${key.field}: cannot read key file ${missing} (ENOENT`)}`));
  });

  if (example.mode === 'audit') {
    it('as shipped, goes on without its key files and warns about each one', async () => {
      const policyFile = await provision(example, { omit: example.keys.map((k) => k.file) });
      const policy = await loadPolicy(policyFile, fromDisk);
      expect(policy.warnings).toHaveLength(example.keys.length);
      example.keys.forEach((key, i) => {
        expect(policy.warnings[i]).toContain(`${key.field}: cannot read key file ${path.join(path.dirname(policyFile), key.file)}`);
      });
      for (const rebuilder of policy.rebuilders) expect(rebuilder.keys, rebuilder.name).toEqual([]);
    });
  }

  const layout = example.layout;
  if (layout !== undefined) {
    it(`refuses without ${layout.file}, naming trust-root.layout`, async () => {
      const error = await loadError(await provision(example, { omit: [layout.file] }));
      expect(error.code).toBe('POLICY_TRUST_ROOT');
      expect(error.path).toBe('trust-root.layout');
      expect(error.message).toContain(`cannot read trust-root layout`);
    });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
