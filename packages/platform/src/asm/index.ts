// platform.asm: 地方版ASM orchestration (scope registry, scans, findings lifecycle, dashboards). Interface: types.ts.
export type * from './types.js';
export { parseCron, nextRun } from './schedules/cron.js';
export { dbFindingKey } from './scans/execute.js';
