export * from './catalog.js';
export * from './evaluate.js';
export * from './service-probes.js';
