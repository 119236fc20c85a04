// The library surface: what `import … from "railyard"` gives a config file or a program.
export { defineApp } from './config/define.js';
export type { AppInput, App } from './config/schema.js';
export { parsePoolSpec, renderPoolSpec, countProcesses, type Pool } from './config/pools.js';
export { loadConfig, validateApp } from './config/load.js';
