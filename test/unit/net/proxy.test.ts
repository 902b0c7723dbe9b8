import { describe, expect, it } from 'vitest';
import { hostMatchesNoProxy, resolveProxy, type AptConfigView } from '../../../src/net/proxy.js';

/** apt's configuration is case-insensitive; so is this view. */
function aptConfig(entries: Record<string, string> = {}): AptConfigView {
  const map = new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (key) => map.get(key.toLowerCase()) };
}

const HTTP = new URL('http://rebuilder.example/api/v1/packages/binary');
const HTTPS = new URL('https://rebuilder.example:8443/amd64/');

describe('resolveProxy', () => {
  it('goes direct when nothing is configured', () => {
    expect(resolveProxy(HTTP, aptConfig(), {})).toEqual({ kind: 'direct' });
    expect(resolveProxy(HTTPS, aptConfig(), {})).toEqual({ kind: 'direct' });
  });

  it('uses Acquire::http::Proxy for http (the Qubes updates proxy)', () => {
    const config = aptConfig({ 'Acquire::http::Proxy': 'http://127.0.0.1:8082/' });
    expect(resolveProxy(HTTP, config, {})).toEqual({ kind: 'proxy', url: 'http://127.0.0.1:8082/' });
  });

  it('falls back to Acquire::http::Proxy for https, as apt does', () => {
    const config = aptConfig({ 'Acquire::http::Proxy': 'http://127.0.0.1:8082/' });
    expect(resolveProxy(HTTPS, config, {})).toEqual({ kind: 'proxy', url: 'http://127.0.0.1:8082/' });
  });

  it('prefers Acquire::https::Proxy over Acquire::http::Proxy for https', () => {
    const config = aptConfig({ 'Acquire::http::Proxy': 'http://a:1/', 'Acquire::https::Proxy': 'http://b:2/' });
    expect(resolveProxy(HTTPS, config, {})).toEqual({ kind: 'proxy', url: 'http://b:2/' });
    expect(resolveProxy(HTTP, config, {})).toEqual({ kind: 'proxy', url: 'http://a:1/' });
  });

  it('lets a per-host setting win over the scheme-wide one, keyed by host without port', () => {
    const config = aptConfig({
      'Acquire::https::Proxy': 'http://general:1/',
      'Acquire::https::Proxy::rebuilder.example': 'http://special:2/',
    });
    expect(resolveProxy(HTTPS, config, {})).toEqual({ kind: 'proxy', url: 'http://special:2/' });
    expect(resolveProxy(new URL('https://other.example/'), config, {})).toEqual({ kind: 'proxy', url: 'http://general:1/' });
  });

  it('honours DIRECT per host, also through the http fallback for https', () => {
    const config = aptConfig({
      'Acquire::http::Proxy': 'http://127.0.0.1:8082/',
      'Acquire::http::Proxy::rebuilder.example': 'DIRECT',
    });
    expect(resolveProxy(HTTP, config, {})).toEqual({ kind: 'direct' });
    expect(resolveProxy(HTTPS, config, {})).toEqual({ kind: 'direct' });
  });

  it('checks the https per-host key before the http per-host key', () => {
    const config = aptConfig({
      'Acquire::http::Proxy::rebuilder.example': 'http://from-http:1/',
      'Acquire::https::Proxy::rebuilder.example': 'http://from-https:2/',
    });
    expect(resolveProxy(HTTPS, config, {})).toEqual({ kind: 'proxy', url: 'http://from-https:2/' });
  });

  it('takes DIRECT as the scheme-wide setting too', () => {
    const config = aptConfig({ 'Acquire::https::Proxy': 'DIRECT', 'Acquire::http::Proxy': 'http://x:1/' });
    expect(resolveProxy(HTTPS, config, { https_proxy: 'http://env:3/' })).toEqual({ kind: 'direct' });
  });

  it('lets Reprogate::Proxy override everything, DIRECT included, and ignores no_proxy for it', () => {
    const config = aptConfig({
      'Reprogate::Proxy': 'http://ours:9/',
      'Acquire::http::Proxy::rebuilder.example': 'DIRECT',
    });
    expect(resolveProxy(HTTP, config, { no_proxy: 'rebuilder.example' })).toEqual({ kind: 'proxy', url: 'http://ours:9/' });
    const direct = aptConfig({ 'Reprogate::Proxy': 'DIRECT', 'Acquire::http::Proxy': 'http://x:1/' });
    expect(resolveProxy(HTTP, direct, {})).toEqual({ kind: 'direct' });
  });

  it('reads configuration keys case-insensitively through the view', () => {
    const config = aptConfig({ 'ACQUIRE::HTTP::PROXY': 'http://upper:1/' });
    expect(resolveProxy(HTTP, config, {})).toEqual({ kind: 'proxy', url: 'http://upper:1/' });
  });

  it('treats empty and blank settings as unset', () => {
    const config = aptConfig({ 'Reprogate::Proxy': ' ', 'Acquire::http::Proxy::rebuilder.example': '', 'Acquire::http::Proxy': 'http://x:1/' });
    expect(resolveProxy(HTTP, config, {})).toEqual({ kind: 'proxy', url: 'http://x:1/' });
  });

  it('prefixes http:// to a proxy given as host:port', () => {
    expect(resolveProxy(HTTP, aptConfig({ 'Acquire::http::Proxy': '127.0.0.1:8082' }), {})).toEqual({
      kind: 'proxy',
      url: 'http://127.0.0.1:8082',
    });
  });

  it('keys IPv6 hosts without brackets, as apt names them', () => {
    const url = new URL('http://[::1]:8080/x');
    const config = aptConfig({ 'Acquire::http::Proxy': 'http://p:1/', 'Acquire::http::Proxy::::1': 'DIRECT' });
    expect(resolveProxy(url, config, {})).toEqual({ kind: 'direct' });
  });

  describe('environment', () => {
    it('uses http_proxy for http, and not https_proxy', () => {
      expect(resolveProxy(HTTP, aptConfig(), { http_proxy: 'http://h:1/', https_proxy: 'http://s:2/' })).toEqual({
        kind: 'proxy',
        url: 'http://h:1/',
      });
    });

    it('uses https_proxy for https, falling back to http_proxy like apt', () => {
      expect(resolveProxy(HTTPS, aptConfig(), { http_proxy: 'http://h:1/', https_proxy: 'http://s:2/' })).toEqual({
        kind: 'proxy',
        url: 'http://s:2/',
      });
      expect(resolveProxy(HTTPS, aptConfig(), { http_proxy: 'http://h:1/' })).toEqual({ kind: 'proxy', url: 'http://h:1/' });
    });

    it('accepts upper-case names, lower case winning', () => {
      expect(resolveProxy(HTTP, aptConfig(), { HTTP_PROXY: 'http://upper:1/' })).toEqual({ kind: 'proxy', url: 'http://upper:1/' });
      expect(resolveProxy(HTTPS, aptConfig(), { HTTPS_PROXY: 'http://upper:2/' })).toEqual({ kind: 'proxy', url: 'http://upper:2/' });
      expect(resolveProxy(HTTP, aptConfig(), { http_proxy: 'http://lower:1/', HTTP_PROXY: 'http://upper:1/' })).toEqual({
        kind: 'proxy',
        url: 'http://lower:1/',
      });
    });

    it('is only consulted when apt configures no proxy', () => {
      const config = aptConfig({ 'Acquire::http::Proxy': 'http://apt:1/' });
      expect(resolveProxy(HTTP, config, { http_proxy: 'http://env:2/' })).toEqual({ kind: 'proxy', url: 'http://apt:1/' });
    });

    it('lets no_proxy (or NO_PROXY) switch any proxy off for listed hosts, as apt does', () => {
      const env = { http_proxy: 'http://env:2/', no_proxy: 'localhost,.example' };
      expect(resolveProxy(HTTP, aptConfig(), env)).toEqual({ kind: 'direct' });
      const config = aptConfig({ 'Acquire::http::Proxy': 'http://apt:1/' });
      expect(resolveProxy(HTTP, config, { NO_PROXY: 'rebuilder.example' })).toEqual({ kind: 'direct' });
      expect(resolveProxy(new URL('http://elsewhere.org/'), aptConfig(), env)).toEqual({ kind: 'proxy', url: 'http://env:2/' });
    });

    it('has no proxy for schemes other than http and https', () => {
      expect(resolveProxy(new URL('ftp://rebuilder.example/'), aptConfig(), { http_proxy: 'http://h:1/' })).toEqual({ kind: 'direct' });
    });
  });
});

describe('hostMatchesNoProxy', () => {
  it.each([
    ['rebuilder.example', 'rebuilder.example', true],
    ['a.rebuilder.example', 'rebuilder.example', true],
    ['a.rebuilder.example', '.rebuilder.example', true],
    ['a.rebuilder.example', '*.rebuilder.example', true],
    ['badrebuilder.example', 'rebuilder.example', false],
    ['REBUILDER.example', 'rebuilder.EXAMPLE', true],
    ['anything.org', '*', true],
    ['rebuilder.example', 'other.org, rebuilder.example', true],
    ['rebuilder.example', 'other.org rebuilder.example', true],
    ['rebuilder.example', 'rebuilder.example:8443', true],
    ['::1', '[::1]', true],
    ['::1', '::1', true],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.10', '127.0.0.1', false],
    ['rebuilder.example', ' , ,', false],
  ])('%s against %j is %s', (host, list, expected) => {
    expect(hostMatchesNoProxy(host, list)).toBe(expected);
  });
});
