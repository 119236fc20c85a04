// Builds the three artifacts with esbuild:
//   dist/cli.js      the CLI (ESM, Node >= 20; npm dependencies stay in node_modules)
//   dist/index.js    the library entry for `import … from "railyard"`
//   dist/runtime.cjs the in-container runtime: ONE file, no node_modules, Node >= 18
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = { bundle: true, platform: 'node', sourcemap: false, logLevel: 'warning', legalComments: 'none' };

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', format: 'esm', target: 'node20', packages: 'external' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm', target: 'node20', packages: 'external' }),
  existsSync('src/runtime/main.ts') &&
    build({ ...common, entryPoints: ['src/runtime/main.ts'], outfile: 'dist/runtime.cjs', format: 'cjs', target: 'node18', minify: true, legalComments: 'eof' }),
]);
