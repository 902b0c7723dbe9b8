import { describe, expect, it } from 'vitest';
import { NetError } from '../../../src/net/errors.js';
import { nextHop, parseRequestUrl } from '../../../src/net/targets.js';
import { thrownBy } from '../../support/rebuilder-assert.js';

function codeOf(run: () => unknown): string {
  const e = thrownBy(run);
  if (!(e instanceof NetError)) throw e;
  return `${e.code}: ${e.reason}`;
}

describe('parseRequestUrl', () => {
  it('accepts http and https and drops the fragment', () => {
    expect(parseRequestUrl('https://r.example/a?b=1#frag').href).toBe('https://r.example/a?b=1');
    expect(parseRequestUrl(new URL('http://127.0.0.1:8080/x')).href).toBe('http://127.0.0.1:8080/x');
  });

  it.each([
    ['not a url', 'NET_BAD_URL: invalid URL'],
    ['file:///etc/passwd', 'NET_BAD_URL: unsupported scheme file:'],
    ['ftp://r.example/', 'NET_BAD_URL: unsupported scheme ftp:'],
    ['https://user:secret@r.example/', 'NET_BAD_URL: credentials in URLs are not supported'],
  ])('refuses %s', (input, expected) => {
    expect(codeOf(() => parseRequestUrl(input))).toBe(expected);
  });

  it('does not repeat credentials in the error', () => {
    const e = thrownBy(() => parseRequestUrl('https://user:secret@r.example/')) as Error;
    expect(e.message).toBe('credentials in URLs are not supported (https://r.example/)');
  });
});

describe('nextHop', () => {
  const here = new URL('https://r.example/api/v1/x');
  const visited = new Set([here.href]);

  it('follows relative and absolute locations, to other hosts and up to https', () => {
    expect(nextHop(here, '/elsewhere', 0, 3, visited).href).toBe('https://r.example/elsewhere');
    expect(nextHop(here, 'https://mirror.example/y#f', 0, 3, visited).href).toBe('https://mirror.example/y');
    expect(nextHop(new URL('http://r.example/'), 'https://r.example/', 0, 3, new Set()).href).toBe('https://r.example/');
  });

  it.each([
    ['http://r.example/api/v1/x', 0, 'NET_REDIRECT: redirect refused: https downgraded to http://r.example'],
    ['https://r.example/api/v1/x', 0, 'NET_REDIRECT: redirect loop'],
    ['/next', 3, 'NET_REDIRECT: more than 3 redirects'],
    [undefined, 0, 'NET_REDIRECT: redirect without a Location'],
    ['  ', 0, 'NET_REDIRECT: redirect without a Location'],
    ['http://[bad', 0, 'NET_REDIRECT: redirect to an invalid URL'],
    ['file:///etc/shadow', 0, 'NET_REDIRECT: redirect refused: unsupported scheme file:'],
    ['https://u:p@r.example/', 0, 'NET_REDIRECT: redirect refused: credentials in URLs are not supported'],
  ])('refuses %j after %i redirects', (location, soFar, expected) => {
    expect(codeOf(() => nextHop(here, location, soFar, 3, visited))).toBe(expected);
  });

  it('marks redirect refusals as not transient', () => {
    expect(thrownBy(() => nextHop(here, 'http://r.example/', 0, 3, visited))).toMatchObject({ transient: false });
  });
});
