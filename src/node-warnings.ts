/**
 * Whether Node's own warnings reach the user's terminal. bin/quiet.ts, imported
 * first by every entry point, holds them back; the method, the hook and the CLI
 * let them through once they know `Debug::Reprogate` is set. Kept in the
 * environment rather than in this module, which each bundle carries a copy of.
 */
const SHOW_NODE_WARNINGS = 'REPROGATE_DEBUG';

export function showNodeWarnings(): void {
  process.env[SHOW_NODE_WARNINGS] = '1';
}

export function nodeWarningsShown(): boolean {
  return process.env[SHOW_NODE_WARNINGS] === '1';
}
