import type { AppInput } from './schema.js';

/** Identity at run time; gives `railyard.config.ts` type checking and completion. */
export function defineApp(app: AppInput): AppInput {
  return app;
}
