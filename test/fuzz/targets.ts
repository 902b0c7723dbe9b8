/** Every fuzz target, in the order run.ts and fuzz.test.ts run them. */
import { aptCodecTarget } from './apt-codec.fuzz.js';
import { aptConfigTarget } from './apt-config.fuzz.js';
import { attestationTarget } from './attestation.fuzz.js';
import { canonicalJsonTarget } from './canonical-json.fuzz.js';
import { decideTarget } from './decide.fuzz.js';
import { debIdentityTarget } from './deb-identity.fuzz.js';
import { hookInputTarget } from './hook-input.fuzz.js';
import { keyFilesTarget } from './key-files.fuzz.js';
import { layoutTarget } from './layout.fuzz.js';
import { openpgpKeysTarget } from './openpgp-keys.fuzz.js';
import { policyTarget } from './policy.fuzz.js';
import { strictJsonTarget } from './strict-json.fuzz.js';
import type { Target } from './harness.js';

export const TARGETS: readonly Target[] = [
  aptCodecTarget,
  aptConfigTarget,
  strictJsonTarget,
  canonicalJsonTarget,
  attestationTarget,
  layoutTarget,
  openpgpKeysTarget,
  keyFilesTarget,
  policyTarget,
  hookInputTarget,
  debIdentityTarget,
  decideTarget,
];
