export * from './schema.js';
export * from './pools.js';
export * from './errors.js';
export * from './load.js';
export { defineApp } from './define.js';
