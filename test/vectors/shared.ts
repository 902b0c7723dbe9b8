/**
 * Where the real-world vectors live: ../shared/vectors beside the checkout (CI has
 * it too). They are read in place, never copied into the project. A missing folder
 * fails loudly instead of letting the tests pass vacuously.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const SHARED_VECTORS = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

export function sharedVector(relative: string): Buffer {
  const path = join(SHARED_VECTORS, relative);
  if (!existsSync(path)) {
    throw new Error(`shared test vector ${relative} not found under ${SHARED_VECTORS}: the shared/ folder must sit beside the checkout`);
  }
  return readFileSync(path);
}
