// @mamori/platform: the services the server and the CLI call (see types.ts for the interfaces).
export type * from './types.js';
