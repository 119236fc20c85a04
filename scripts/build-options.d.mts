// Types for scripts/build-options.mjs.
import type { BuildOptions } from 'esbuild';
export const common: BuildOptions;
export const cliOptions: BuildOptions & { metafile: true };
export const runtimeOptions: BuildOptions & { metafile: true };
