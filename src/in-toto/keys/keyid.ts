/**
 * securesystemslib keyids, computed only to find a key quickly when a signature's
 * `keyid` hint matches. Two conventions exist (with and without
 * `keyid_hash_algorithms`); real rebuilderd attestations use the legacy one.
 * A keyid never decides who signed: the key material does.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../canonical.js';

export function sslibKeyids(keytype: string, scheme: string, publicValue: string, hashAlgorithms: readonly string[] = ['sha256', 'sha512']): string[] {
  const keyval = { public: publicValue };
  const legacy = { keyid_hash_algorithms: [...hashAlgorithms], keytype, keyval, scheme };
  const modern = { keytype, keyval, scheme };
  return [legacy, modern].map((k) => createHash('sha256').update(canonicalize(k)).digest('hex'));
}
