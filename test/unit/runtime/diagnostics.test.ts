import { describe, expect, it } from 'vitest';
import { debugLog, runDiagnostics, verdictDiagnostics } from '../../../src/runtime/diagnostics.js';
import type { Settings } from '../../../src/runtime/settings.js';
import { refusalVerdict } from '../../../src/verify/index.js';

const settings = (debug: boolean): Settings => ({ policyFile: '/etc/p.yaml', cacheDir: '/var/c', logFile: '/var/l.jsonl', debug });

describe('Debug::Reprogate diagnostics of the hook and the CLI', () => {
  it('print nothing without the key, and prefixed lines with it', () => {
    const written: string[] = [];
    expect(debugLog(settings(false), (t) => written.push(t))).toBeUndefined();
    debugLog(settings(true), (t) => written.push(t))?.('hello');
    // A file name from the command line or apt reaches the terminal as one printable line.
    debugLog(settings(true), (t) => written.push(t))?.('/tmp/x\u001b[2J\n.deb');
    expect(written).toEqual(['reprogate: debug: hello\n', 'reprogate: debug: /tmp/x\\u001b[2J\\u000a.deb\n']);
  });

  it('say an unusable policy refuses everything', () => {
    expect(runDiagnostics(settings(true), new Error('policy.yaml:3: unknown key "thresold"'))).toEqual([
      'policy /etc/p.yaml, cache /var/c, decision log /var/l.jsonl',
      'policy unusable, every package will be refused: policy.yaml:3: unknown key "thresold"',
    ]);
  });

  it('give a verdict on one line, with its detail and whether it is enforced', () => {
    const pkg = { name: 'foo', version: '1:1.0-1', architecture: 'amd64', sha256: 'ab'.repeat(32), origin: undefined };
    const verdict = refusalVerdict(pkg, 'REFUSED_IDENTITY', 'not a readable .deb: no control member', new Date(0), false);
    expect(verdictDiagnostics(verdict, 12.4)).toBe(
      `REFUSED_IDENTITY (not enforced) foo 1:1.0-1 amd64 sha256 ${'ab'.repeat(32)} in 12 ms, rule: none, []; not a readable .deb: no control member`,
    );
  });
});
