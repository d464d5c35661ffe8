export { configKeys, type ConfigKeySpec, type ConfigKeyType } from './schema.js';
export type { MamoriConfig, OidcConfig, DeepPartial } from './types.js';
export { loadConfig, redactConfig, envNameOf, type LoadConfigOptions } from './load.js';
