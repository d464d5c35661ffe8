export * from './types.js';
export * from './guard.js';
export * from './verify.js';
export * from './window.js';
export * from './rate-limit.js';
export * from './stop-switch.js';
