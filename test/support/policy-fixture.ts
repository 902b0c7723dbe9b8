/**
 * Build a real Policy from YAML text and in-memory key files, through the same
 * loader the program uses, so tests exercise the policy exactly as users write it.
 */
import { loadPolicy, type Policy } from '../../src/policy/index.js';

export async function policyFrom(yaml: string, files: Record<string, string | Uint8Array>, now: Date): Promise<Policy> {
  const all: Record<string, string | Uint8Array> = { '/etc/reprogate/policy.yaml': yaml };
  for (const [name, content] of Object.entries(files)) all[`/etc/reprogate/${name}`] = content;
  return loadPolicy('/etc/reprogate/policy.yaml', {
    now,
    readFile: (path) => {
      const content = all[path];
      if (content === undefined) return Promise.reject(Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' }));
      return Promise.resolve(typeof content === 'string' ? Buffer.from(content) : content);
    },
  });
}
