// `node <bundled context.mjs> DIR BASE_IMAGE`: writes the e2e build context
// (test/e2e/containers/context.ts) to DIR, for bench/images.sh. bench bundles
// this file with esbuild first, since plain Node runs no TypeScript.
import { assembleContext, e2eApp } from '../../test/e2e/containers/context.js';

const [dir, base] = process.argv.slice(2);
if (!dir || !base) {
  console.error('usage: context.mjs DIR BASE_IMAGE');
  process.exit(2);
}
await assembleContext(await e2eApp(base), dir, base);
