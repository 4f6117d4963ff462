import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // Loaded by Node itself: inlined through vite, its bare `stream` imports resolved to a path in this folder.
    server: { deps: { external: [/sandbox-docker/] } },
  },
});
