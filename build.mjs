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
//   dist/THIRD-PARTY-NOTICES.md the licences of what the CLI bundles; the runtime's
//                    are appended to runtime.cjs (scripts/notices.mjs). Options: scripts/build-options.mjs
import { build } from 'esbuild';
import { cliOptions, common, runtimeOptions } from './scripts/build-options.mjs';
import { appendFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { describePackages, headerPackages, noticesComment, noticesMarkdown, packageDirs } from './scripts/notices.mjs';

// Chunk names carry content hashes: without this, every build would leave its old chunks behind.
rmSync('dist/chunks', { recursive: true, force: true });

const [cli, , runtime] = await Promise.all([
  build(cliOptions),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm', target: 'node20', packages: 'external' }),
  existsSync('src/runtime/main.ts') && build(runtimeOptions),
]);

// The bundled packages' licences travel with the bundles (scripts/notices.mjs): a notices
// file beside the CLI, a comment at the end of the runtime, which synth copies alone.
// The check validators are a bundle of their own (committed); its header lists its packages.
const cliPackages = describePackages('.', [...new Set([...packageDirs(Object.keys(cli.metafile.inputs)), ...headerPackages('src/check/validators.bundle.cjs')])]);
writeFileSync('dist/THIRD-PARTY-NOTICES.md', noticesMarkdown('the railyard CLI (dist/cli.js and dist/chunks/)', cliPackages));
if (runtime) appendFileSync('dist/runtime.cjs', noticesComment('the railyard runtime (runtime.cjs)', describePackages('.', packageDirs(Object.keys(runtime.metafile.inputs)))));
