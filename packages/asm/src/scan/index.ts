export * from './types.js';
export * from './scan.js';
