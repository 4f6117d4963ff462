import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Keep `node:` specifiers as written (tsup strips them by default). A bare builtin such as `stream` in a
  // dist is mis-resolved by vitest 4.1 in packages whose root path has an unlucky length (vitest#11194).
  removeNodeProtocol: false,
  // Nothing else to list: tsup keeps every dependency and peerDependency of package.json external, so a
  // library this package imports must be declared there (it bundled a private zod while zod was not).
});
