export { resolveProxy, hostMatchesNoProxy, type AptConfigView, type ProxyChoice, type Environment } from './proxy.js';
export {
  createHttpClient,
  DEFAULT_NET_LIMITS,
  type HttpClient,
  type HttpClientOptions,
  type HttpGetter,
  type HttpResponse,
  type GetOptions,
  type NetLimits,
} from './client.js';
export { NetError, isTransientStatus, type NetErrorCode } from './errors.js';
