/**
 * Policy file -> Policy, with file reading injected: read the YAML, every key
 * file it names and the trust-root layout, hand the bytes to the in-toto
 * library, then bind. Every failure names the file and the policy field that
 * referenced it, because `reprogate policy check` must say exactly what is
 * missing. Files are read one at a time in document order, so with several
 * problems the first one in the file is reported, every time.
 */
import { hasCode } from '../errors.js';
import { loadPublicKeys, verifyLayout, type PublicKey, type VerifiedLayout } from '../in-toto/index.js';

import { bindPolicy } from './bind-policy.js';
import type { FileReference, PolicyDocument } from './document.js';
import { PolicyError, type PolicyErrorCode, type PolicyLocation } from './errors.js';
import { parsePolicy } from './parse-policy.js';
import type { Policy } from './policy.js';
import { MAX_POLICY_SIZE } from './strict-yaml.js';

export interface PolicyLoaderDeps {
  readFile(path: string): Promise<Uint8Array>;
  /** Judges key and layout expiry. */
  readonly now: Date;
}

export async function loadPolicy(file: string, deps: PolicyLoaderDeps): Promise<Policy> {
  const bytes = await readFile(deps, file, 'POLICY_FILE', { file }, 'the policy file');
  // Checked on bytes before decoding, so a huge file costs nothing more than its read.
  if (bytes.byteLength > MAX_POLICY_SIZE) {
    throw new PolicyError('POLICY_TOO_LARGE', { file }, `policy is larger than ${MAX_POLICY_SIZE} bytes`);
  }
  const doc = parsePolicy(decodeUtf8(bytes, file), file);

  const keysByFile = new Map<string, readonly PublicKey[]>();
  const layoutKeyFiles = new Set((doc.trustRoot?.keys ?? []).map((k) => k.file));
  const warnings: string[] = [];
  for (const reference of keyReferences(doc)) {
    if (keysByFile.has(reference.file)) continue;
    let data: Uint8Array;
    try {
      data = await readFile(deps, reference.file, 'POLICY_KEY_FILE', locationOf(doc, reference), 'key file');
    } catch (e) {
      // Audit mode refuses nothing, so a rebuilder whose key is not pinned yet must not
      // turn the whole policy into a refusal: it simply cannot agree until it is pinned.
      // This is what lets the package ship an audit policy without keys.
      if (doc.mode !== 'audit' || layoutKeyFiles.has(reference.file)) throw e;
      warnings.push(`${(e as Error).message}; audit mode goes on without it (pin it with 'reprogate policy add-rebuilder')`);
      keysByFile.set(reference.file, []);
      continue;
    }
    keysByFile.set(reference.file, await referencedCall(doc, reference, 'POLICY_KEY_FILE', 'key file', () => loadPublicKeys(data, deps.now)));
  }

  let layout: VerifiedLayout | undefined;
  if (doc.trustRoot !== undefined) {
    const reference = doc.trustRoot.layout;
    const layoutKeys = doc.trustRoot.keys.flatMap((key) => keysByFile.get(key.file) ?? []);
    const data = await readFile(deps, reference.file, 'POLICY_TRUST_ROOT', locationOf(doc, reference), 'trust-root layout');
    layout = await referencedCall(doc, reference, 'POLICY_TRUST_ROOT', 'trust-root layout', () => verifyLayout(data, layoutKeys, deps.now));
  }
  return { ...bindPolicy(doc, keysByFile, layout, { allowMissingKeys: warnings.length > 0 }), warnings };
}

/** Every key file the policy names, in the order they are written. */
function keyReferences(doc: PolicyDocument): FileReference[] {
  const rebuilderKeys = doc.rebuilders.flatMap((r) => r.keys);
  const layoutKeys = doc.trustRoot?.keys ?? [];
  return [...rebuilderKeys, ...layoutKeys].sort((a, b) => a.line - b.line);
}

async function readFile(deps: PolicyLoaderDeps, file: string, code: PolicyErrorCode, where: PolicyLocation, what: string): Promise<Uint8Array> {
  try {
    return await deps.readFile(file);
  } catch (e) {
    throw new PolicyError(code, where, `cannot read ${what} ${file} (${reason(e)})`, { cause: e });
  }
}

/** Run an in-toto call on a referenced file's bytes; its error, whatever it is, becomes ours with the file's location. */
async function referencedCall<T>(
  doc: PolicyDocument,
  reference: FileReference,
  code: PolicyErrorCode,
  what: string,
  call: () => T | Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new PolicyError(code, locationOf(doc, reference), `${what} ${reference.file} is not usable: ${reason(e)}`, { cause: e });
  }
}

function locationOf(doc: PolicyDocument, reference: FileReference): PolicyLocation {
  return { file: doc.file, line: reference.line, path: reference.path };
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new PolicyError('POLICY_SYNTAX', { file }, 'the policy file is not valid UTF-8 text', { cause: e });
  }
}

/** `ENOENT`, `KEY_EXPIRED: …`: the code first, since that is what people search for. */
function reason(e: unknown): string {
  if (hasCode(e)) return e.message.startsWith(e.code) ? e.message : `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
