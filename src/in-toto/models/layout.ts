/**
 * in-toto v0.9 layouts as a trust root (how apt-transport-in-toto and Qubes in 2021
 * expressed which rebuilders to trust): signature verification by the layout
 * keys, expiry, and the steps with their authorised keys, thresholds and artifact
 * rules. Inspections are parsed and validated but never run: we execute nothing
 * from a layout.
 */
import { InTotoError } from '../errors.js';
import { isJsonArray, parseStrictJson, type JsonValue } from '../json.js';
import { keysFromJson } from '../keys/load.js';
import type { PublicKey } from '../keys/types.js';
import { checkSignatures } from '../attestation.js';
import { expectFields, expectObject, expectString, expectStringArray, fail } from './fields.js';
import { parseMetablock } from './metablock.js';
import { parseRule, type ArtifactRule } from './rules.js';

export interface LayoutStep {
  readonly name: string;
  readonly threshold: number;
  /** Every authorised key, with subkeys; votes count per `identity`. */
  readonly keys: readonly PublicKey[];
  readonly expectedMaterials: readonly ArtifactRule[];
  readonly expectedProducts: readonly ArtifactRule[];
}

export interface LayoutInspection {
  readonly name: string;
  readonly expectedMaterials: readonly ArtifactRule[];
  readonly expectedProducts: readonly ArtifactRule[];
}

/** Only `verifyLayout` makes one. */
export interface VerifiedLayout {
  readonly expires: Date;
  readonly steps: ReadonlyMap<string, LayoutStep>;
  readonly inspections: readonly LayoutInspection[];
  /** The layout keys whose signatures verified. */
  readonly signers: readonly PublicKey[];
}

const EXPIRES = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * Verify a signed layout: every one of `layoutKeys` (counted by identity) must
 * have signed it, as `in-toto-verify` requires, and it must not have expired.
 */
export function verifyLayout(bytes: Uint8Array, layoutKeys: readonly PublicKey[], now: Date): VerifiedLayout {
  const block = parseMetablock(parseStrictJson(bytes));
  const layout = parseLayoutBody(block.signed);

  const identities = new Set(layoutKeys.map((k) => k.identity));
  if (identities.size === 0) throw new InTotoError('LAYOUT_SIGNATURE', 'no layout keys given');
  const signers: PublicKey[] = [];
  for (const identity of identities) {
    const keys = layoutKeys.filter((k) => k.identity === identity);
    const check = checkSignatures(block.signedBytes, block.signatures, keys, now);
    if (check.signers.length === 0) {
      throw new InTotoError('LAYOUT_SIGNATURE', `layout is not validly signed by ${keys[0]!.description}: ${check.failure.reason}`);
    }
    signers.push(...check.signers);
  }
  if (layout.expires.getTime() <= now.getTime()) {
    throw new InTotoError('LAYOUT_EXPIRED', `layout expired on ${layout.expires.toISOString()}`);
  }
  return { ...layout, signers };
}

function parseLayoutBody(v: JsonValue): Omit<VerifiedLayout, 'signers'> {
  const obj = expectObject(v, 'layout');
  if (obj['_type'] !== 'layout') fail('METADATA_TYPE', `expected _type "layout", got ${JSON.stringify(obj['_type'])}`);
  expectFields(obj, 'layout', ['_type', 'expires', 'keys', 'steps', 'inspect'], ['readme']);

  const m = EXPIRES.exec(expectString(obj['expires'], 'layout.expires'));
  const expires = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
  if (!expires || expires.toISOString().slice(0, 19) + 'Z' !== m![0]) fail('METADATA_FORMAT', 'layout.expires must be YYYY-MM-DDTHH:MM:SSZ');

  const keysById = new Map<string, PublicKey[]>();
  for (const [keyid, keyJson] of Object.entries(expectObject(obj['keys'], 'layout.keys'))) {
    const keys = keysFromJson(keyJson);
    keysById.set(keyid, keys);
    // A GPG key may be authorised by a subkey's fingerprint too.
    for (const k of keys) for (const hint of k.keyids) if (!keysById.has(hint)) keysById.set(hint, [k]);
  }

  const names = new Set<string>();
  const unique = (name: string): string => {
    if (names.has(name)) fail('LAYOUT_STEP', `step or inspection name "${name}" is used twice`);
    names.add(name);
    return name;
  };
  const rules = (x: JsonValue | undefined, what: string): ArtifactRule[] => {
    if (!isJsonArray(x)) fail('METADATA_FORMAT', `${what} must be a list`);
    return x.map((r, i) => parseRule(expectStringArray(r, `${what}[${i}]`)));
  };

  const stepList = obj['steps'];
  if (!isJsonArray(stepList)) fail('METADATA_FORMAT', 'layout.steps must be a list');
  const steps = new Map<string, LayoutStep>();
  stepList.forEach((s, i) => {
    const what = `layout.steps[${i}]`;
    const step = expectObject(s, what);
    if (step['_type'] !== 'step') fail('METADATA_TYPE', `${what}._type must be "step"`);
    expectFields(step, what, ['_type', 'name', 'threshold', 'pubkeys', 'expected_command', 'expected_materials', 'expected_products']);
    const name = unique(expectString(step['name'], `${what}.name`));
    const threshold = step['threshold'];
    const keys = expectStringArray(step['pubkeys'], `${what}.pubkeys`).flatMap((id) => {
      const found = keysById.get(id);
      if (!found) fail('LAYOUT_STEP', `${what} authorises key ${id}, which the layout does not define`);
      return found;
    });
    const distinct = new Set(keys.map((k) => k.identity)).size;
    // The reference accepts any int here; 0 or a threshold no key set can reach is a broken trust root.
    if (typeof threshold !== 'number' || threshold < 1 || threshold > distinct) {
      fail('LAYOUT_STEP', `${what}.threshold must be between 1 and the ${distinct} distinct keys it authorises`);
    }
    expectStringArray(step['expected_command'], `${what}.expected_command`);
    steps.set(name, {
      name,
      threshold,
      keys: dedupe(keys),
      expectedMaterials: rules(step['expected_materials'], `${what}.expected_materials`),
      expectedProducts: rules(step['expected_products'], `${what}.expected_products`),
    });
  });

  const inspectList = obj['inspect'];
  if (!isJsonArray(inspectList)) fail('METADATA_FORMAT', 'layout.inspect must be a list');
  const inspections = inspectList.map((x, i) => {
    const what = `layout.inspect[${i}]`;
    const insp = expectObject(x, what);
    if (insp['_type'] !== 'inspection') fail('METADATA_TYPE', `${what}._type must be "inspection"`);
    expectFields(insp, what, ['_type', 'name', 'run', 'expected_materials', 'expected_products']);
    expectStringArray(insp['run'], `${what}.run`);
    return {
      name: unique(expectString(insp['name'], `${what}.name`)),
      expectedMaterials: rules(insp['expected_materials'], `${what}.expected_materials`),
      expectedProducts: rules(insp['expected_products'], `${what}.expected_products`),
    };
  });
  for (const insp of inspections) {
    for (const r of [...insp.expectedMaterials, ...insp.expectedProducts]) {
      if (r.type === 'match' && !steps.has(r.step) && !names.has(r.step)) fail('LAYOUT_RULE', `inspection ${insp.name} matches against unknown step ${r.step}`);
    }
  }
  return { expires, steps, inspections };
}

function dedupe(keys: readonly PublicKey[]): PublicKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.fingerprint) && (seen.add(k.fingerprint), true));
}
