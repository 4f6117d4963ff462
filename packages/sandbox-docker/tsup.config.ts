import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  // `./testing` imports only types of core's testkit (vitest stays out of the bundle).
  external: ['@codemonkeys/protocol/testkit'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Keep `node:` specifiers as written (tsup strips them by default). A bare builtin such as `stream` in a
  // dist is mis-resolved by vitest 4.1 in packages whose root path has an unlucky length (vitest#11194).
  removeNodeProtocol: false,
});
