import { describe, expect, it } from 'vitest';

import type { PublicKey } from '../../../src/in-toto/index.js';
import { bindPolicy, describePolicy, parsePolicy, type Policy } from '../../../src/policy/index.js';
import { EXAMPLE_POLICY, POLICY_FILE, fakeKey } from './helpers.js';

const example = bindPolicy(
  parsePolicy(EXAMPLE_POLICY, POLICY_FILE),
  new Map<string, PublicKey[]>([
    ['/etc/reprogate/keys/debian-amd64.pem', [fakeKey('debian')]],
    ['/etc/reprogate/keys/notset.asc', [fakeKey('notset-primary'), fakeKey('notset-sub', 'notset-primary')]],
  ]),
);

describe('describePolicy', () => {
  it('summarises mode, threshold, rebuilders by operator with keys, and rules in order', () => {
    expect(describePolicy(example, new Date('2026-06-30T12:00:00Z'))).toBe(
      [
        'Policy /etc/reprogate/policy.yaml',
        '  mode         enforce: packages short of the threshold are refused',
        '  threshold    2 independent operators must attest the exact sha256',
        '  on-conflict  refuse: a trusted rebuilder attesting another sha256 for the same file refuses the package',
        '',
        'Rebuilders: 2 rebuilders run by 2 independent operators',
        '  operator debian',
        '    debian-amd64  rebuilderd  https://rebuilder.example/amd64/',
        '      ed25519 debian  sha256:debian',
        '  operator notset',
        '    notset  sources  https://rebuilder2.example/debian',
        '      ed25519 notset-primary  sha256:notset-primary',
        '      ed25519 notset-sub  sha256:notset-sub (subkey of sha256:notset-primary)',
        '',
        'Rules, first match wins:',
        '  1. package linux-image-*  (/etc/reprogate/policy.yaml:16)',
        '       exempt until 2027-06-30 (expires in 365 days): kernel images are not reproducible yet',
        '  2. origin qubes-repo.example  (/etc/reprogate/policy.yaml:18)',
        '       threshold 1 of notset',
        '  otherwise: threshold 2 of all rebuilders',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['2027-06-29T23:59:59Z', 'until 2027-06-30 (expires in 1 day)'],
    ['2027-06-30T00:00:00Z', 'until 2027-06-30 (expires at the end of today, UTC)'],
    ['2027-06-30T23:59:59Z', 'until 2027-06-30 (expires at the end of today, UTC)'],
    ['2027-07-01T00:00:00Z', 'until 2027-06-30: EXPIRED on 2027-07-01 00:00 UTC'],
    ['2028-01-01T00:00:00Z', 'until 2027-06-30: EXPIRED on 2027-07-01 00:00 UTC'],
  ])('at %s says the exemption holds %s', (now, wording) => {
    expect(describePolicy(example, new Date(now))).toContain(`exempt ${wording}: kernel images`);
  });

  it('says audit mode never refuses, and how conflicts are treated under ignore', () => {
    const audit: Policy = { ...example, mode: 'audit', onConflict: 'ignore', rules: [] };
    const text = describePolicy(audit, new Date('2026-01-01T00:00:00Z'));
    expect(text).toContain('mode         audit: decisions are logged and warned about; nothing is refused');
    expect(text).toContain('on-conflict  ignore: ');
    expect(text).toContain('Rules: none; every package needs threshold 2 of all rebuilders');
  });

  it('groups rebuilders of one operator together and shows directory rebuilders by folder', () => {
    const text = describePolicy(
      bindPolicy(
        parsePolicy(
          `version: 1
threshold: 1
rebuilders:
  - { name: a, operator: debian, type: rebuilderd, url: "https://a.example/", keys: [k.pem] }
  - { name: bundle, type: directory, url: bundle, keys: [b.pem] }
  - { name: c, operator: debian, type: rebuilderd, url: "https://c.example/", keys: [k.pem] }
rules:
  - match: { package: "firmware-*", origin: deb.example }
`,
          '/srv/policy.yaml',
        ),
        new Map<string, PublicKey[]>([
          ['/srv/k.pem', [fakeKey('k')]],
          ['/srv/b.pem', [fakeKey('b')]],
        ]),
      ),
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(text).toContain('Rebuilders: 3 rebuilders run by 2 independent operators\n  operator debian\n    a  rebuilderd');
    expect(text).toContain('\n    c  rebuilderd  https://c.example/\n      ed25519 k  sha256:k\n  operator bundle\n    bundle  directory  /srv/bundle\n');
    expect(text).toContain('  1. package firmware-* from origin deb.example  (/srv/policy.yaml:8)\n       threshold 1 of all rebuilders\n');
  });

  it('shows a trust root with its expiry and signers', () => {
    const rooted: Policy = {
      ...example,
      thresholdSource: 'trust-root',
      trustRoot: { layout: '/etc/reprogate/root.layout', expires: new Date('2027-01-01T00:00:00Z'), signers: [fakeKey('owner')] },
    };
    const text = describePolicy(rooted, new Date('2026-01-01T00:00:00Z'));
    expect(text).toContain('threshold    2 independent operators must attest the exact sha256 (from the trust-root layout)');
    expect(text).toContain('trust root   /etc/reprogate/root.layout (expires 2027-01-01T00:00:00.000Z), signed by:\n                 ed25519 owner  sha256:owner\n');
    expect(describePolicy(rooted, new Date('2027-01-01T00:00:00Z'))).toContain('(EXPIRED on 2027-01-01T00:00:00.000Z)');
  });
});
