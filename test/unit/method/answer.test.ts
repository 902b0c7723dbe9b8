import { describe, expect, it } from 'vitest';
import { answer } from '../../../src/method/gate.js';
import { refusalVerdict } from '../../../src/verify/index.js';

const pkg = { name: 'foo', version: '1.0-1', architecture: 'amd64', sha256: 'ab'.repeat(32), origin: undefined };
const digests = { sha256: 'ab'.repeat(32), size: 3 };
const now = new Date(0);

describe("the gate's answer to apt", () => {
  it('refuses an enforced refusal with its one line, and the FailReason of its code', () => {
    const verdict = refusalVerdict(pkg, 'REFUSED_IDENTITY', 'not a readable .deb: no control member', now, true);
    expect(answer(verdict, digests)).toEqual({
      accept: false,
      message: `reprogate: refused foo 1.0-1 amd64 (sha256 abab…ab): not a readable .deb: no control member`,
      failReason: 'ReprogateRefusedIdentity',
    });
  });

  it('lets an audit-mode refusal through with the hashes it computed and a warning', () => {
    const verdict = refusalVerdict(pkg, 'REFUSED_IDENTITY', 'not a readable .deb: no control member', now, false);
    expect(answer(verdict, digests)).toEqual({
      accept: true,
      hashes: digests,
      warning: `reprogate: audit: would refuse foo 1.0-1 amd64 (sha256 abab…ab): not a readable .deb: no control member`,
    });
  });

  it('in audit mode, still fails a file it could not read, saying why rather than "would refuse"', () => {
    const verdict = refusalVerdict({ ...pkg, sha256: 'unknown' }, 'REFUSED_IDENTITY', 'cannot read the file: gone [ENOENT]', now, false);
    expect(answer(verdict, undefined)).toEqual({
      accept: false,
      message: 'reprogate: cannot report the hashes of foo 1.0-1 amd64: cannot read the file: gone [ENOENT]',
      failReason: 'ReprogateRefusedIdentity',
    });
  });
});
