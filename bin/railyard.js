#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ by `npm run build` (make does it for you).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('railyard: dist/cli.js is missing; run `npm run build` (or `make demo`) first\n');
    process.exit(2);
  }
  throw err;
});
