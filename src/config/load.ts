// Loaders: railyard.config.ts (or .js/.mjs), .yaml/.yml and .json, all validated by one schema.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { App } from './schema.js';
import { ConfigError, problemsFromZod } from './errors.js';
import { defineApp } from './define.js';
import { parsePoolSpec, renderPoolSpec } from './pools.js';

export const CONFIG_NAMES = ['railyard.config.ts', 'railyard.config.mts', 'railyard.config.mjs', 'railyard.config.js', 'railyard.config.yaml', 'railyard.config.yml', 'railyard.config.json'];

export interface LoadedApp {
  app: App;
  /** Absolute path of the file the app came from. */
  file: string;
}

/** Finds the config file: CONFIG itself, or the first known name inside the folder CONFIG. */
export async function findConfig(pathOrDir: string): Promise<string> {
  const abs = resolve(pathOrDir);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new ConfigError(pathOrDir, [{ path: '', message: 'no such file or folder' }]);
  }
  if (!st.isDirectory()) return abs;
  for (const name of CONFIG_NAMES) {
    const candidate = join(abs, name);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // try the next name
    }
  }
  throw new ConfigError(pathOrDir, [{ path: '', message: `no config found; expected one of ${CONFIG_NAMES.join(', ')}` }]);
}

export async function loadConfig(pathOrDir: string): Promise<LoadedApp> {
  const file = await findConfig(pathOrDir);
  const raw = await readRaw(file);
  return { app: validateApp(raw, file), file };
}

/** Validates an already-read value; throws ConfigError naming every problem. */
export function validateApp(raw: unknown, file = '<config>'): App {
  const result = App.safeParse(raw);
  if (!result.success) throw new ConfigError(file, problemsFromZod(result.error));
  return result.data;
}

async function readRaw(file: string): Promise<unknown> {
  const ext = extname(file);
  if (ext === '.yaml' || ext === '.yml') return readYaml(file);
  if (ext === '.json') return readJson(file);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) return readModule(file);
  throw new ConfigError(file, [{ path: '', message: `unsupported config type "${ext}"; use .ts, .js, .yaml or .json` }]);
}

async function readYaml(file: string): Promise<unknown> {
  const doc = parseDocument(await readFile(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '', message: e.message.split('\n')[0] ?? e.message })));
  }
  return doc.toJS();
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
  }
}

// The config's `import { defineApp } from "railyard"` must get *this* railyard,
// wherever the config lives, so the import is served from a global set here.
const API_GLOBAL = '__railyardConfigApi';

async function readModule(file: string): Promise<unknown> {
  const { build } = await import('esbuild');
  let code: string;
  try {
    const out = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'railyard-api',
          setup(b) {
            b.onResolve({ filter: /^railyard$/ }, () => ({ path: 'railyard', namespace: 'railyard-api' }));
            b.onLoad({ filter: /.*/, namespace: 'railyard-api' }, () => ({
              contents: `const api = globalThis.${API_GLOBAL}; export const defineApp = api.defineApp; export const parsePoolSpec = api.parsePoolSpec; export const renderPoolSpec = api.renderPoolSpec;`,
              loader: 'js',
            }));
          },
        },
      ],
    });
    code = out.outputFiles[0]!.text;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors ?? [];
    throw new ConfigError(file, errors.length ? errors.map((er) => ({ path: er.location ? `line ${er.location.line}, column ${er.location.column}` : '', message: er.text })) : [{ path: '', message: (e as Error).message }]);
  }
  (globalThis as Record<string, unknown>)[API_GLOBAL] = { defineApp, parsePoolSpec, renderPoolSpec };
  let mod: { default?: unknown };
  try {
    mod = await import('data:text/javascript;base64,' + Buffer.from(code).toString('base64'));
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `evaluating the config failed: ${(e as Error).message}` }]);
  }
  if (mod.default === undefined) throw new ConfigError(file, [{ path: '', message: 'the config module has no default export; write `export default defineApp({...})`' }]);
  return mod.default;
}
