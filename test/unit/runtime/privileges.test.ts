import { describe, expect, it } from 'vitest';
import { passwdEntry } from '../../../src/runtime/privileges.js';

const PASSWD = ['root:x:0:0:root:/root:/bin/bash', '_apt:x:42:65534::/nonexistent:/usr/sbin/nologin', 'broken:x::7::/:/bin/false', ''].join('\n');

describe('passwdEntry', () => {
  it('finds the uid and gid of a user by exact name', () => {
    expect(passwdEntry(PASSWD, '_apt')).toEqual({ uid: 42, gid: 65534 });
    expect(passwdEntry(PASSWD, 'root')).toEqual({ uid: 0, gid: 0 });
  });

  it('finds nothing for an unknown user, a prefix of a name, or an entry without ids', () => {
    expect(passwdEntry(PASSWD, 'nobody')).toBeUndefined();
    expect(passwdEntry(PASSWD, '_ap')).toBeUndefined();
    expect(passwdEntry(PASSWD, 'broken')).toBeUndefined();
    expect(passwdEntry('', '_apt')).toBeUndefined();
  });
});
