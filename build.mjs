// Builds the three artifacts with esbuild:
//   dist/cli.js      the CLI (ESM, Node >= 20). Its dependencies are bundled in:
//                    loading yaml/zod/commander from one file instead of ~300 saves
//                    most of a cold start. The Kubernetes client is bundled too, in the
//                    chunk only cluster commands load: from node_modules it is 921
//                    files and took 1.0 s to import, bundled it is one file (`railyard
//                    diff`, timed by hand: 2.4 s to 1.4 s). esbuild (a native binary), mysql2 and
//                    kubernetes-models stay in node_modules.
//   dist/index.js    the library entry for `import … from "railyard"`
//   dist/runtime.cjs the in-container runtime: ONE file, no node_modules, Node >= 18
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

// Chunk names carry content hashes: without this, every build would leave its old chunks behind.
rmSync('dist/chunks', { recursive: true, force: true });

const common = { bundle: true, platform: 'node', sourcemap: false, logLevel: 'warning', legalComments: 'none' };

await Promise.all([
  build({
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
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm', target: 'node20', packages: 'external' }),
  existsSync('src/runtime/main.ts') &&
    build({ ...common, entryPoints: ['src/runtime/main.ts'], outfile: 'dist/runtime.cjs', format: 'cjs', target: 'node18', minify: true, legalComments: 'eof' }),
]);
