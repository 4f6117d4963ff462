import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testkit: 'src/testkit/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  removeNodeProtocol: false,
  // A re-export only: protocol and plugin-kit stay separate packages (one copy of each in an install).
  external: ['vitest', '@codemonkeys/protocol', '@codemonkeys/plugin-kit'],
});
