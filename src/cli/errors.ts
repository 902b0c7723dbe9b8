/** Errors that end the CLI with exit code 2 (usage, policy or environment), never with a verdict. */
import { ReprogateError } from '../errors.js';

export type CliErrorCode = 'CLI_USAGE' | 'CLI_ENVIRONMENT';

export class UsageError extends ReprogateError<CliErrorCode> {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

export class EnvironmentError extends ReprogateError<CliErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLI_ENVIRONMENT', message, options);
  }
}

export const EXIT = { ok: 0, finding: 1, usage: 2 } as const;
