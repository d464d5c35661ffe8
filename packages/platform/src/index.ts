// @mamori/platform: the services the server and the CLI call (see types.ts for the interfaces).
export type * from './types.js';
export type * from './soc/types.js';
export type * from './asm/types.js';
export { parseCron, nextRun, dbFindingKey } from './asm/index.js';
import type { RequestContext } from './types.js';
export { createPlatform, type CreatePlatformOptions } from './platform.js';
export { SqliteInUseError } from './sqlite-claim.js';
export { createLogger, redactPaths } from './logger.js';
export {
  roleSpecs,
  roleIds,
  permissionSpecs,
  permissionIds,
  tokenPermissions,
  isRole,
  isPermission,
} from './policy/roles.js';
export type { Scope } from './policy/policy.js';
export { STATE_ORG_ID, orgIdForCode } from './orgs/service.js';
export { seedDemo, DEMO_PREFECTURE_CODE, type DemoResult } from './demo.js';
export { totpCode, stepAt, verifyTotp, base32Decode, base32Encode } from './auth/totp.js';
export { verifyChain, recordHash } from './audit/chain.js';
export * from './soc/ingest/index.js';
/** The context of the operator at the CLI or of a background job: full access, audited as system:<name>. */
export function systemContext(name = 'cli', sourceIp = '127.0.0.1'): RequestContext {
  return { actor: { kind: 'system', name }, sourceIp };
}
export * from './soc/detect/index.js';
