// vitest globalSetup: build dist/ once, so CLI and runtime tests run the real bundles.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
}
