import { describe, expect, it } from 'vitest';
import { AptRelayError } from '../../../src/apt/errors.js';
import { methodScheme, staysInScheme } from '../../../src/apt/scheme.js';

describe('methodScheme', () => {
  it.each([
    ['/usr/lib/apt/methods/reprogate+http', 'reprogate+http'],
    ['/usr/lib/apt/methods/reprogate+https', 'reprogate+https'],
    ['reprogate+https', 'reprogate+https'],
    ['/lab/methods/rbt+http', 'rbt+http'],
  ])('reads the scheme from %j', (path, scheme) => {
    expect(methodScheme(path)).toBe(scheme);
  });

  it.each(['/usr/lib/reprogate/apt-method.js', '/usr/lib/apt/methods/http', 'reprogate+ftp', 'Reprogate+http', '+http', 'a+b+http', ''])(
    'refuses %j (APT_RELAY_SCHEME)',
    (path) => {
      let error: unknown;
      try {
        methodScheme(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AptRelayError);
      expect((error as AptRelayError).code).toBe('APT_RELAY_SCHEME');
    },
  );
});

describe('staysInScheme', () => {
  it.each([
    ['reprogate+http', 'reprogate+http://other.example/pool/x.deb', true],
    ['reprogate+http', 'reprogate+https://mirror.example/pool/x.deb', true],
    ['reprogate+https', 'reprogate+https://mirror.example/pool/x.deb', true],
    ['reprogate+https', 'reprogate+http://mirror.example/pool/x.deb', false],
    ['reprogate+http', 'http://mirror.example/pool/x.deb', false],
    ['reprogate+http', 'https://mirror.example/pool/x.deb', false],
    ['reprogate+http', 'tor+http://mirror.example/pool/x.deb', false],
    ['reprogate+http', 'REPROGATE+HTTP://mirror.example/pool/x.deb', false],
    ['reprogate+http', 'file:/var/cache/x.deb', false],
    ['reprogate+http', '/pool/x.deb', false],
    ['reprogate+http', '', false],
  ])('%s -> %s: %s', (scheme, uri, ok) => {
    expect(staysInScheme(scheme, uri)).toBe(ok);
  });
});
