// esbuild options of the two bundles that carry dependencies, shared by build.mjs and
// test/build/notices.test.ts (which asks esbuild what each bundles, without writing).
// legalComments 'eof': a dependency's own /*! or @license comments (long.js keeps its
// copyright there, not in its LICENSE file) stay in the bundle, besides the notices build.mjs adds.
export const common = { bundle: true, platform: 'node', sourcemap: false, logLevel: 'warning', legalComments: 'eof' };

export const cliOptions = {
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  // One chunk per command, loaded on demand (see src/cli/main.ts).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  target: 'node20',
  external: ['esbuild', 'mysql2', 'kubernetes-models', '@kubernetes-models/*'],
  // CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __railyardRequire } from 'node:module'; const require = __railyardRequire(import.meta.url);" },
  metafile: true,
};

export const runtimeOptions = { ...common, entryPoints: ['src/runtime/main.ts'], outfile: 'dist/runtime.cjs', format: 'cjs', target: 'node18', minify: true, metafile: true };
