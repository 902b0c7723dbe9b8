import { describe, expect, it } from 'vitest';
import type { AcquireItem } from '../../../../src/apt/protocol/acquire.js';
import { isPackageItem, readAcquire } from '../../../../src/apt/protocol/acquire.js';
import { AptProtocolError } from '../../../../src/apt/protocol/errors.js';
import type { AptField } from '../../../../src/apt/protocol/message.js';
import { aptMessage } from '../../../../src/apt/protocol/message.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AptProtocolError);
    return (e as AptProtocolError).code;
  }
  throw new Error('expected an AptProtocolError');
}

const acquire = (...fields: AptField[]): AcquireItem => readAcquire(aptMessage(600, fields));

describe('readAcquire', () => {
  it('keeps the URI exactly and reads the expected hashes', () => {
    const uri = 'reprogate+http://127.0.0.1:1/pool/rbt-enc_2.0%2bdfsg%7e1_all.deb';
    const item = acquire(
      ['URI', uri],
      ['Filename', '/p/rbt-enc_1%3a2.0+dfsg~1_all.deb'],
      ['Expected-SHA256', 'ABCDEF'.padEnd(64, '0')],
      ['Expected-SHA512', 'e'.repeat(128)],
      ['Expected-SHA1', '1'.repeat(40)],
      ['Expected-MD5Sum', '5'.repeat(32)],
      ['Expected-Checksum-FileSize', '764'],
      ['Target-Type', 'deb'],
    );
    expect(item.uri).toBe(uri);
    expect(item.filename).toBe('/p/rbt-enc_1%3a2.0+dfsg~1_all.deb');
    expect(item.targetType).toBe('deb');
    expect(item.expected).toEqual({
      sha256: 'abcdef'.padEnd(64, '0'),
      sha512: 'e'.repeat(128),
      sha1: '1'.repeat(40),
      md5: '5'.repeat(32),
      size: 764,
    });
    expect(item.fields).toHaveLength(8);
  });

  it('accepts an item without expected hashes (InRelease)', () => {
    expect(acquire(['URI', 'u'], ['Filename', 'f'], ['Maximum-Size', '10000000']).expected).toEqual({});
  });

  it.each([
    ['no URI', [['Filename', 'f']]],
    ['an empty URI', [['URI', ''], ['Filename', 'f']]],
    ['no Filename', [['URI', 'u']]],
  ] as [string, AptField[]][])('refuses a 600 with %s (APT_MESSAGE)', (_, fields) => {
    expect(codeOf(() => acquire(...fields))).toBe('APT_MESSAGE');
  });

  it.each([
    ['Expected-SHA256', 'abc'],
    ['Expected-SHA256', 'g'.repeat(64)],
    ['Expected-MD5Sum', '5'.repeat(31)],
    ['Expected-Checksum-FileSize', '-1'],
    ['Expected-Checksum-FileSize', '1e3'],
    ['Expected-Checksum-FileSize', '9'.repeat(16)],
  ])('refuses %s: %j (APT_FIELD)', (name, value) => {
    expect(codeOf(() => acquire(['URI', 'u'], ['Filename', 'f'], [name, value]))).toBe('APT_FIELD');
  });

  it('refuses another code (APT_MESSAGE)', () => {
    expect(codeOf(() => readAcquire(aptMessage(601, [['URI', 'u'], ['Filename', 'f']])))).toBe('APT_MESSAGE');
  });
});

describe('isPackageItem', () => {
  const item = (uri: string, targetType?: string): AcquireItem =>
    acquire(['URI', uri], ['Filename', '/p/x'], ...(targetType ? [['Target-Type', targetType] as const] : []));

  it.each([
    ['Target-Type deb', item('reprogate+http://h/pool/x', 'deb')],
    ['Target-Type udeb', item('reprogate+http://h/pool/x', 'udeb')],
    ['Target-Type ddeb', item('reprogate+http://h/pool/x', 'DDEB')],
    ['a .deb URI without Target-Type', item('reprogate+http://h/pool/x_1_all.deb')],
    ['a .deb URI with a query', item('reprogate+http://h/pool/x_1_all.deb?token=1')],
    ['a percent-encoded .deb suffix', item('reprogate+http://h/pool/x_1_all%2edeb')],
    ['an upper-case suffix', item('reprogate+http://h/pool/X.DEB')],
    ['a .deb URI that says index', item('reprogate+http://h/pool/x_1_all.deb', 'index')],
  ])('gates %s', (_, it_) => {
    expect(isPackageItem(it_)).toBe(true);
  });

  it.each([
    ['an index', item('reprogate+http://h/dists/stable/InRelease', 'index')],
    ['a Packages file', item('reprogate+http://h/dists/stable/main/binary-all/Packages.xz', 'index')],
    ['a source tarball', item('reprogate+http://h/pool/x_1.orig.tar.xz')],
    ['a name that only contains deb', item('reprogate+http://h/pool/debian/x.debx')],
    ['a malformed escape without suffix', item('reprogate+http://h/pool/%zz')],
  ])('passes %s through', (_, it_) => {
    expect(isPackageItem(it_)).toBe(false);
  });
});
