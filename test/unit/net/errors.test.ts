import { describe, expect, it } from 'vitest';
import { classifyFailure, httpStatusError, isTransientStatus, NetError, type FailureContext } from '../../../src/net/errors.js';

function failure(code: string, message = code, cause?: unknown): Error {
  const e = new Error(message, { cause }) as Error & { code: string };
  e.code = code;
  return e;
}

const direct: FailureContext = {
  url: 'https://r.example/x',
  proxy: undefined,
  phase: 'before-headers',
  timeouts: { connectMs: 1000, headersMs: 1500, bodyMs: 2000 },
};
const proxied: FailureContext = { ...direct, proxy: '127.0.0.1:8082' };

describe('classifyFailure', () => {
  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'NET_TIMEOUT', true, 'timeout after 1 s connecting'],
    ['UND_ERR_HEADERS_TIMEOUT', 'NET_TIMEOUT', true, 'timeout after 1.5 s waiting for response headers'],
    ['UND_ERR_BODY_TIMEOUT', 'NET_TIMEOUT', true, 'timeout after 2 s without body data'],
    ['ECONNREFUSED', 'NET_CONNECT', true, 'connection refused'],
    ['EHOSTUNREACH', 'NET_CONNECT', true, 'host unreachable'],
    ['ENOTFOUND', 'NET_DNS', true, 'cannot resolve host (ENOTFOUND)'],
    ['EAI_AGAIN', 'NET_DNS', true, 'cannot resolve host (EAI_AGAIN)'],
    ['ECONNRESET', 'NET_RESET', true, 'connection closed before a response arrived'],
    ['UND_ERR_SOCKET', 'NET_RESET', true, 'connection closed before a response arrived'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'NET_TLS', false, 'TLS failure (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'NET_TLS', false, 'TLS failure (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'NET_TLS', false, 'TLS failure (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'NET_TLS', false, 'TLS failure (ERR_SSL_WRONG_VERSION_NUMBER)'],
    ['CERT_HAS_EXPIRED', 'NET_TLS', false, 'TLS failure (CERT_HAS_EXPIRED)'],
    ['HPE_INVALID_CONSTANT', 'NET_BAD_RESPONSE', false, 'malformed HTTP response (HPE_INVALID_CONSTANT)'],
    ['UND_ERR_HEADERS_OVERFLOW', 'NET_BAD_RESPONSE', false, 'malformed HTTP response (UND_ERR_HEADERS_OVERFLOW)'],
    ['SOMETHING_NEW', 'NET_CONNECT', false, 'network failure (SOMETHING_NEW)'],
  ])('maps %s to %s', (code, expected, transient, reason) => {
    const e = classifyFailure(failure(code), direct);
    expect(e).toMatchObject({ code: expected, transient, reason, url: direct.url });
    expect(e.message).toBe(`${reason} (${direct.url})`);
  });

  it('names the body when the connection breaks after the headers', () => {
    expect(classifyFailure(failure('ECONNRESET'), { ...direct, phase: 'body' }).reason).toBe(
      'connection closed before the body was complete',
    );
  });

  it('finds the code in the cause chain', () => {
    const wrapped = new Error('fetch failed', { cause: failure('ECONNREFUSED') });
    expect(classifyFailure(wrapped, direct).code).toBe('NET_CONNECT');
  });

  it('survives a cause chain that loops', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(classifyFailure(a, direct).code).toBe('NET_CONNECT');
  });

  it('blames the proxy for connection failures before any response, through a proxy', () => {
    expect(classifyFailure(failure('ECONNREFUSED'), proxied)).toMatchObject({
      code: 'NET_PROXY',
      transient: true,
      reason: 'cannot reach proxy 127.0.0.1:8082: connection refused',
    });
    expect(classifyFailure(failure('UND_ERR_CONNECT_TIMEOUT'), proxied).code).toBe('NET_PROXY');
    expect(classifyFailure(failure('ENOTFOUND'), proxied).code).toBe('NET_PROXY');
  });

  it('reads a refused CONNECT (undici reports it as an abort) as a lasting proxy refusal', () => {
    const refused = failure('UND_ERR_ABORTED', 'Proxy response (403) !== 200 when HTTP Tunneling');
    expect(classifyFailure(refused, proxied)).toMatchObject({
      code: 'NET_PROXY',
      transient: false,
      reason: 'proxy 127.0.0.1:8082 answered 403',
    });
    const auth = failure('UND_ERR_INVALID_ARG', 'Proxy Authentication Required (407)');
    expect(classifyFailure(auth, proxied).reason).toBe('proxy 127.0.0.1:8082 answered 407');
  });

  it('does not blame the proxy for a body that breaks off', () => {
    expect(classifyFailure(failure('ECONNRESET'), { ...proxied, phase: 'body' }).code).toBe('NET_RESET');
  });

  it('passes a NetError through unchanged', () => {
    const original = httpStatusError(404, direct.url);
    expect(classifyFailure(original, direct)).toBe(original);
  });

  it('handles things that are not errors', () => {
    expect(classifyFailure('a string', direct)).toMatchObject({ code: 'NET_CONNECT', reason: 'network failure (string)' });
  });
});

describe('HTTP status errors', () => {
  it('carry the status and a short reason', () => {
    const e = httpStatusError(404, 'https://r.example/x');
    expect(e).toBeInstanceOf(NetError);
    expect(e).toMatchObject({ code: 'NET_HTTP_STATUS', status: 404, reason: 'HTTP 404', transient: false });
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [429, true],
    [408, true],
    [404, false],
    [403, false],
    [410, false],
  ])('HTTP %i transient: %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
  });
});
