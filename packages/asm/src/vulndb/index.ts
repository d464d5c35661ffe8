// Public surface of the known-vulnerability database.
export { VulnDb, splitDistroVersion } from './db.js';
export type { ImportStats, SerializedVulnDb } from './db.js';
export { bundledVulnDb, importFiles, loadVulnDb, saveVulnDb, vulndbDataDir } from './file-store.js';
export type { FileImport } from './file-store.js';
export { parseCpe } from './cpe.js';
export type { Cpe } from './cpe.js';
export { compareVersions, satisfiesConstraint } from './version.js';
export type { VersionScheme } from './version.js';
export type {
  AffectedProduct,
  KevEntry,
  ProductQuery,
  VersionRange,
  VulnMatch,
  VulnRecord,
} from './types.js';
