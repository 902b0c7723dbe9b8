/**
 * The policy parser (src/policy/parse-policy.ts `parsePolicy`): the shipped examples
 * and generated policies, edited as YAML text and as trees (written back as JSON,
 * which is YAML too). Throws only PolicyError; and a policy it accepts is coherent:
 * unique, path-safe rebuilder names, thresholds of at least 1, rules that name only
 * known rebuilders, exemptions with a reason and a real date.
 */
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parsePolicy, PolicyError } from '../../src/policy/index.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, mutatedJson, utf8 } from './mutate.js';
import { projectFiles } from './seeds.js';

const FILE = '/etc/reprogate/policy.yaml';
const FIELDS = ['version', 'mode', 'threshold', 'on-conflict', 'rebuilders', 'rules', 'trust-root', 'name', 'operator', 'type', 'url', 'keys', 'match', 'package', 'origin', 'exempt', 'reason', 'until', 'layout'];
const YAML_TOKENS = [': ', '\n', '\n  - ', '- ', '{', '}', '[', ']', ', ', '"', "'", '#', '&a ', '*a', '!!str ', '%YAML 1.2\n', '---\n', '<<: ', '\t', '? ', '|\n', '>-\n', '~', 'null', '0x10', '1e3', '2027-02-30', 'treshold', '../', '\u0000', '\ufeff'];
const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const GENERATED = `version: 1
mode: enforce
threshold: 2
on-conflict: refuse
rebuilders:
  - { name: debian, operator: debian, type: rebuilderd, url: "https://r.example/amd64/", keys: [keys/debian.pem] }
  - name: notset
    type: sources
    url: https://notset.example/debian
    keys: [keys/notset.asc, /etc/reprogate/keys/extra.pub]
  - { name: local, type: directory, url: /var/lib/reprogate/bundle, keys: [keys/local.pub] }
rules:
  - match: { package: "linux-image-*" }
    exempt: { reason: "kernel images are not reproducible yet", until: 2027-06-30 }
  - match: { origin: "qubes-repo.example", package: "qubes-?*" }
    threshold: 1
    rebuilders: [notset]
`;

let texts: Uint8Array[] = [];
let trees: Uint8Array[] = [];

export const policyTarget = defineTarget<Uint8Array>({
  name: 'policy',
  description: 'parsePolicy on edited policies: PolicyError only; what it accepts is coherent',
  expected: [PolicyError],
  caseBoundMs: 1000,
  prepare() {
    texts = [...projectFiles('policy-examples', '.yaml'), utf8(GENERATED)];
    trees = texts.map((t) => utf8(JSON.stringify(parseYaml(Buffer.from(t).toString('utf8')))));
    return Promise.resolve();
  },
  arbitrary() {
    return fc.oneof(mutatedBytes(texts, YAML_TOKENS.map(utf8), 5), mutatedJson(trees, FIELDS));
  },
  run(bytes) {
    const doc = parsePolicy(new TextDecoder().decode(bytes), FILE);
    ensure(doc.threshold !== undefined || doc.trustRoot !== undefined, 'a policy without a threshold or a trust root');
    ensure(doc.threshold === undefined || (Number.isSafeInteger(doc.threshold) && doc.threshold >= 1), `threshold ${doc.threshold}`);
    const names = doc.rebuilders.map((r) => r.name);
    ensure(new Set(names).size === names.length, `duplicate rebuilder names ${JSON.stringify(names)}`);
    ensure(names.every((n) => SAFE_NAME.test(n)), `unsafe rebuilder name in ${JSON.stringify(names)}`);
    ensure(doc.rebuilders.every((r) => r.keys.length > 0 && r.keys.every((k) => k.file.startsWith('/'))), 'a rebuilder without keys or with a relative key path');
    for (const rule of doc.rules) {
      ensure(rule.threshold === undefined || rule.threshold >= 1, `rule threshold ${rule.threshold}`);
      ensure((rule.rebuilders ?? []).every((n) => names.includes(n)), `rule names an unknown rebuilder: ${JSON.stringify(rule.rebuilders)}`);
      ensure(rule.exempt === undefined || (rule.exempt.reason.trim() !== '' && /^\d{4}-\d{2}-\d{2}$/.test(rule.exempt.until)), `bad exemption ${JSON.stringify(rule.exempt)}`);
    }
  },
});
