// Politeness per target address that holds across every worker: the database keeps the next free send slot of
// each address; a worker reserves a small batch of slots in one atomic UPDATE (… RETURNING) and sends at those
// times. Two workers scanning one address together therefore share its rate instead of doubling it.
import { sql } from 'kysely';
import type { MamoriDb } from '@mamori/store';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PolitenessLimiter {
  private readonly slots = new Map<string, number[]>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly db: MamoriDb) {}

  /** Waits for this process's next slot towards `target` at `perSecond` (all workers together). */
  take(target: string, perSecond: number): Promise<void> {
    const prev = this.chains.get(target) ?? Promise.resolve();
    const next = prev.then(() => this.wait(target, perSecond));
    this.chains.set(
      target,
      next.catch(() => {}),
    );
    return next;
  }

  private async wait(target: string, perSecond: number): Promise<void> {
    let queue = this.slots.get(target);
    if (!queue || queue.length === 0) {
      queue = await this.reserve(target, perSecond);
      this.slots.set(target, queue);
    }
    const at = queue.shift()!;
    const delay = at - Date.now();
    if (delay > 0) await sleep(delay);
  }

  /** Reserves a quarter-second of slots (at least one) and returns their times (ms since epoch). */
  private async reserve(target: string, perSecond: number): Promise<number[]> {
    const interval = 1000 / perSecond;
    const n = Math.max(1, Math.ceil(perSecond / 4));
    const span = Math.ceil(n * interval);
    const now = Date.now();
    const k = this.db.kysely;
    await k
      .insertInto('asm_politeness')
      .values({ target, next_slot_ms: 0 })
      .onConflict((oc) => oc.column('target').doNothing())
      .execute();
    const row = await k
      .updateTable('asm_politeness')
      .set({
        next_slot_ms: sql<number>`(CASE WHEN next_slot_ms < ${now} THEN ${now} ELSE next_slot_ms END) + ${span}`,
      })
      .where('target', '=', target)
      .returning('next_slot_ms')
      .executeTakeFirstOrThrow();
    const start = Number(row.next_slot_ms) - span;
    return Array.from({ length: n }, (_, i) => Math.round(start + i * interval));
  }
}
