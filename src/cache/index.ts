export {
  openCache,
  CacheError,
  type AttestationCache,
  type CacheErrorCode,
  type CacheLookup,
  type CachedLookups,
  type CacheOptions,
  type PutContext,
} from './cache.js';
