// Entry of dist/runtime.cjs, the file the images run: `node runtime.cjs <target> [-- command …]`.
// It is bundled with esbuild (no node_modules at run time) and must run on Node 18.
import { runRuntime } from './run.js';

runRuntime(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Last resort: still one JSON line, still no values (a stack names files, not env).
    const message = err instanceof Error ? err.message : String(err);
    process.stdout.write(JSON.stringify({ timestamp: new Date().toISOString(), level: 'fatal', process_target: process.env.PROCESS_TARGET ?? 'unknown', pod_name: process.env.POD_NAME || 'unknown', namespace: process.env.POD_NAMESPACE || 'default', message: `runtime failed: ${message}`, stream: 'runtime' }) + '\n');
    process.exit(1);
  },
);
