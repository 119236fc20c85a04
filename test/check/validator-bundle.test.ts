// The committed validator bundle must equal a fresh build from the installed
// kubernetes-models; RAILYARD_UPDATE_VALIDATORS=1 rewrites it.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildValidatorBundle } from '../../src/check/validator-bundle.js';
import { CATALOG_ROOTS } from '../../src/check/field-catalog.js';

const file = new URL('../../src/check/validators.bundle.cjs', import.meta.url);

describe('validators.bundle.cjs', () => {
  it('is up to date with kubernetes-models', async () => {
    const fresh = await buildValidatorBundle(process.cwd());
    if (process.env.RAILYARD_UPDATE_VALIDATORS === '1') writeFileSync(file, fresh);
    expect(readFileSync(file, 'utf8') === fresh, 'stale: run RAILYARD_UPDATE_VALIDATORS=1 npx vitest run test/check/validator-bundle.test.ts').toBe(true);
  }, 60_000);
  it('validates every catalogued kind, and refuses a wrong type', () => {
    const bundle = createRequire(import.meta.url)(file.pathname) as Record<string, ((d: unknown) => boolean) & { errors?: unknown[] }>;
    expect(Object.keys(bundle).sort()).toEqual(Object.keys(CATALOG_ROOTS).sort());
    const validate = bundle['apps/v1 Deployment']!;
    expect(validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'c' }] } } } })).toBe(true);
    expect(validate({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'two', selector: {}, template: {} } })).toBe(false);
    expect(validate.errors).toEqual([expect.objectContaining({ instancePath: '/spec/replicas', keyword: 'type' })]);
  });
});
