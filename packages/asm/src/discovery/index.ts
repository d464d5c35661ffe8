export * from './dns-discovery.js';
export * from './passive.js';
export * from './assets.js';
