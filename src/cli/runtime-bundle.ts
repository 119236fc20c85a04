// Finds dist/runtime.cjs of the running railyard, which synth copies next to the
// Dockerfile so that the image runs the same runtime the CLI was built with.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function readRuntimeBundle(): string {
  // Walk up from this file (dist/cli.js or a chunk under dist/chunks) to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'railyard') {
      const bundle = join(dir, 'dist', 'runtime.cjs');
      if (!existsSync(bundle)) throw new Error(`${bundle} is missing; run \`npm run build\``);
      return readFileSync(bundle, 'utf8');
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the railyard package root to read dist/runtime.cjs');
}
