import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Safety nets only: a loaded CI machine must never turn a slow test or setup into a failure.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
