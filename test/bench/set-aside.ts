/**
 * Clearing a run's files out of the way without deleting them.
 *
 * ext4 without a journal (the benchmark machines' root file system) does not reuse
 * an inode freed in the last minute or so: each new file in the same block group is
 * first checked against every recently freed inode (fs/ext4/ialloc.c,
 * `recently_deleted`). Deleting the few hundred files one run leaves (its .debs and,
 * for reprogate, its cache entries) right before the next run made every file
 * created in that run cost ~1 ms of kernel CPU — apt's http method's .debs and our
 * cache entries alike, on the same two cores — and more with every run. No real apt
 * run follows a mass deletion of its own files by seconds; the cost was the
 * benchmark's own cleanup. So leftovers are moved into a `spent` folder beside them,
 * emptied (truncated: they keep their inode but no data blocks), and go when the
 * lab's folder is removed at the end.
 */
import { mkdir, mkdtemp, readdir, rename, truncate } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Moves `paths` (files or folders) into a new folder under `spentDir`; files are truncated to 0 bytes there. */
export async function setAside(paths: readonly string[], spentDir: string): Promise<void> {
  if (paths.length === 0) return;
  await mkdir(spentDir, { recursive: true });
  const into = await mkdtemp(join(spentDir, 'run-'));
  await Promise.all(
    paths.map(async (path, i) => {
      // Numbered: two leftovers may share a name (archives/x.deb and partial/x.deb).
      const target = join(into, `${i}-${basename(path)}`);
      await rename(path, target);
      await emptyFiles(target);
    }),
  );
}

async function emptyFiles(path: string): Promise<void> {
  try {
    await truncate(path, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
    for (const entry of await readdir(path)) await emptyFiles(join(path, entry));
  }
}
