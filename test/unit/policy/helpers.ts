/** Shared fixtures for the policy tests: the design document's example policy and fake keys. */
import type { KeyObject } from 'node:crypto';

import { expect } from 'vitest';

import type { PublicKey } from '../../../src/in-toto/index.js';
import { PolicyError, type PolicyErrorCode } from '../../../src/policy/index.js';

/** The example from the product design, as an admin would write it. */
export const EXAMPLE_POLICY = `version: 1
mode: enforce             # enforce | audit
threshold: 2
on-conflict: refuse
rebuilders:
  - name: debian-amd64
    operator: debian
    type: rebuilderd
    url: https://rebuilder.example/amd64/
    keys: [keys/debian-amd64.pem]
  - name: notset
    type: sources
    url: https://rebuilder2.example/debian
    keys: [keys/notset.asc]
rules:
  - match: { package: "linux-image-*" }
    exempt: { reason: "kernel images are not reproducible yet", until: 2027-06-30 }
  - match: { origin: "qubes-repo.example" }
    threshold: 1
    rebuilders: [notset]
`;

export const POLICY_FILE = '/etc/reprogate/policy.yaml';

/** A PublicKey stand-in: policy code only reads the hashes and the description. */
export function fakeKey(name: string, primary?: string): PublicKey {
  return {
    identity: `sha256:${primary ?? name}`,
    fingerprint: `sha256:${name}`,
    scheme: 'ed25519',
    keyids: [],
    description: `ed25519 ${name}`,
    key: {} as KeyObject,
  };
}

/** Run `action`, which must throw a PolicyError with `code`; return it for further checks. */
export function policyError(action: () => unknown, code: PolicyErrorCode): PolicyError {
  let thrown: unknown;
  try {
    action();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a PolicyError').toBeInstanceOf(PolicyError);
  const error = thrown as PolicyError;
  expect(error.code, error.message).toBe(code);
  return error;
}

/** Like `policyError` for a promise. */
export async function policyRejection(action: Promise<unknown>, code: PolicyErrorCode): Promise<PolicyError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a PolicyError').toBeInstanceOf(PolicyError);
  expect((error as PolicyError).code, (error as PolicyError).message).toBe(code);
  return error as PolicyError;
}
