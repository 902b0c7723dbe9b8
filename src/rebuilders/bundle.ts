/**
 * Writes what one rebuilder returned for one .deb as an offline bundle, in the layout
 * the `directory` adapter reads: `<dir>/<rebuilder name>/<sha256>/<n>.json`, one file
 * per document, the bytes exactly as served. The folder is replaced as a whole
 * (temporary folder + rename), so a bundle is never half old, half new.
 *
 * EDGE. Deliberately not here: deciding which rebuilders to fetch from.
 */
import { RebuilderError } from './errors.js';
import { writeFolderAtomically } from './files.js';
import { checkRebuilderName, checkSha256 } from './identity.js';
import type { FetchedDocument } from './types.js';

/** Returns the folder written. */
export async function writeBundle(
  dir: string,
  rebuilderName: string,
  sha256: string,
  documents: readonly FetchedDocument[],
): Promise<string> {
  checkRebuilderName(rebuilderName);
  checkSha256(sha256);
  try {
    return await writeFolderAtomically(
      dir,
      [rebuilderName, sha256],
      documents.map((document, n) => ({ name: `${n}.json`, bytes: document.bytes })),
      { dirMode: 0o755, fileMode: 0o644 },
    );
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new RebuilderError('REBUILDER_WRITE', `cannot write the ${rebuilderName} bundle under ${dir}: ${detail}`, { cause: e });
  }
}
