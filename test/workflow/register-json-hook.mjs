// `node --import ./test/workflow/register-json-hook.mjs …` installs the JSON hook.
import { register } from 'node:module';
register('./json-import-hook.mjs', import.meta.url);
