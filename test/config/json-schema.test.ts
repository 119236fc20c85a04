import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { appJsonSchema } from '../../src/config/json-schema.js';

describe('JSON Schema for editors', () => {
  it('schema/railyard.schema.json is current (update: make golden)', async () => {
    expect(JSON.parse(await readFile('schema/railyard.schema.json', 'utf8'))).toEqual(appJsonSchema());
  });

  it('describes the required top-level fields and the pool forms', () => {
    const s = appJsonSchema() as { required: string[]; properties: Record<string, any> };
    expect(s.required).toEqual(expect.arrayContaining(['name', 'namespace', 'image', 'web']));
    const pools = JSON.stringify(s.properties.workers);
    expect(pools).toContain('"queues"');
    expect(pools).toContain('"count"');
  });
});
