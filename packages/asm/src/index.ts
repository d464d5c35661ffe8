export {};
export * from './scope/index.js';
export * from './dns/codec.js';
export * from './dns/client.js';
