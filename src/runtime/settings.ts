/**
 * reprogate's own apt configuration keys (product.md, "apt configuration keys")
 * with their defaults. The method reads them from `601 Configuration`, the hook
 * from its v3 input, the CLI from `apt-config dump` and `-o`.
 */
import type { AptConfigView } from '../net/proxy.js';

export interface Settings {
  readonly policyFile: string;
  readonly cacheDir: string;
  readonly logFile: string;
  readonly debug: boolean;
}

export const DEFAULTS = {
  policyFile: '/etc/reprogate/policy.yaml',
  cacheDir: '/var/cache/reprogate',
  logFile: '/var/log/reprogate/decisions.jsonl',
} as const;

const TRUE = /^(1|yes|true|with|on|enable)$/i;

export function settingsFrom(config: AptConfigView): Settings {
  return {
    policyFile: config.get('Reprogate::Policy') ?? DEFAULTS.policyFile,
    cacheDir: config.get('Reprogate::Cache') ?? DEFAULTS.cacheDir,
    logFile: config.get('Reprogate::Log') ?? DEFAULTS.logFile,
    debug: TRUE.test(config.get('Debug::Reprogate') ?? ''),
  };
}
