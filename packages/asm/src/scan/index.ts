export * from './types.js';
export * from './scan.js';
export * from './compare.js';
