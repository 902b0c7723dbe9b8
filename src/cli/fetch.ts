/**
 * `reprogate fetch DEB... --out DIR`: download every policy rebuilder's documents
 * for each .deb into `DIR/<rebuilder>/<sha256>/<n>.json`, the bundle that
 * `verify --attestations DIR --offline` reads on an air-gapped build host.
 * Nothing is judged here; exit 1 if some .deb got no document at all.
 */
import { resolve } from 'node:path';
import { openDebFile } from '../deb/index.js';
import { writeBundle } from '../rebuilders/index.js';
import { collectEvidence } from '../runtime/evidence.js';
import { EXIT } from './errors.js';
import type { CliIo } from './io.js';
import { mapBounded } from '../parallel.js';
import { openSession, type SessionOptions } from './session.js';

export async function fetchCommand(debs: readonly string[], options: SessionOptions & { out: string }, io: CliIo): Promise<number> {
  const runtime = await openSession(options, io);
  try {
    const policy = runtime.policy;
    if (policy instanceof Error) {
      io.stderr(`reprogate: ${policy.message}\n`);
      return EXIT.usage;
    }
    const out = resolve(options.out);
    const results = await mapBounded(debs, 4, async (deb) => {
      const file = await openDebFile(resolve(deb));
      const [digests, identity] = await Promise.all([file.hash([]), file.identity()]).finally(() => file.close());
      const query = { name: identity.package, version: identity.version, architecture: identity.architecture, source: identity.source, sha256: digests.sha256 };
      // Every rebuilder: the origin (and so the rule) is not known until install time.
      const evidence = await collectEvidence(query, policy.rebuilders, runtime.context.sources, { now: io.now() });
      let total = 0;
      const parts: string[] = [];
      for (const [name, ev] of evidence) {
        if (ev.status === 'found') {
          await writeBundle(out, name, digests.sha256, ev.documents);
          total += ev.documents.length;
          parts.push(`${name}: ${ev.documents.length} document${ev.documents.length === 1 ? '' : 's'}`);
        } else {
          parts.push(`${name}: missing (${ev.reason})`);
        }
      }
      io.stdout(`${identity.package} ${identity.version} ${identity.architecture}: ${parts.join('; ')}\n`);
      return total;
    });
    return results.every((n) => n > 0) ? EXIT.ok : EXIT.finding;
  } finally {
    await runtime.close();
  }
}
