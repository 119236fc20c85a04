import { defineConfig } from 'vitest/config';

// `make test` runs everything but test/e2e; `make e2e` sets RAILYARD_E2E=1 and runs only test/e2e.
const e2e = process.env.RAILYARD_E2E === '1';

export default defineConfig({
  resolve: { alias: { railyard: new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    include: e2e ? ['test/e2e/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: e2e ? [] : ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/build.ts'],
  },
});
