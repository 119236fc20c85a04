import { defineConfig } from 'vitest/config';

// `make test` runs everything but test/e2e; `make e2e` sets RAILYARD_E2E=1 and runs only test/e2e.
const e2e = process.env.RAILYARD_E2E === '1';

export default defineConfig({
  resolve: { alias: { railyard: new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    // In e2e mode the two projects below say what they include.
    ...(e2e ? {} : { include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'node_modules/**'] }),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/build.ts'],
    // The real-node suite measures request latency and job timing on two
    // cores: it runs after the container and kwok suites have finished
    // (a later group), not beside their image builds and deploys.
    ...(e2e
      ? {
          projects: [
            { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], exclude: ['test/e2e/node/**'], sequence: { groupOrder: 0 } } },
            // One file at a time: each node suite measures latency, loss and
            // timing on the same two cores and the same kubelet.
            { extends: true, test: { name: 'node', include: ['test/e2e/node/**/*.test.ts'], sequence: { groupOrder: 1 }, fileParallelism: false } },
          ],
        }
      : {}),
  },
});
