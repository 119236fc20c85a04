// The model as JSON Schema, for editors: `$schema` in a YAML/JSON config gives completion and checks.
import { z } from 'zod';
import { App } from './schema.js';

export function appJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(App, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://railyard.dev/schema/railyard.schema.json', title: 'railyard app' };
}
