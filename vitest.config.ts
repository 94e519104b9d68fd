import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Model and tokenizer tests do real numeric work; keep the per-test ceiling generous but finite.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Each test file in its own process: TF.js backends are process-global state.
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
