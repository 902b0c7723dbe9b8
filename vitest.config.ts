import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests drive real apt and servers; they set their own longer timeouts.
    testTimeout: 20_000,
    pool: 'forks',
  },
});
