// The one order in which the SOC writes rows several writers may update at once (rollup counters, alerts):
// concurrent transactions (PostgreSQL workers) then take those rows' locks in the same order and never deadlock.
// Plain code-unit order, the same in every process. Dependency-free: the store thread loads it.
export const byLockOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
