// A named lease in the database (soc_leases): one holder at a time per deployment, for work that must not run
// twice at once (the SOC retention pass). Taken and renewed by single conditional UPDATEs inside transactions,
// so two processes racing for it on SQLite or PostgreSQL cannot both win; a holder that crashed stops renewing
// and, once the lease has expired, another process takes it. Each change of hands raises `epoch`, a fencing
// token: a stale holder (paused past its expiry) finds its writes refused by fence() instead of overlapping
// the new holder's.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { MamoriDb, Trx } from '@mamori/store';

export class LeaseLostError extends Error {
  constructor(name: string) {
    super(`lease ${name} is held by another process now`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseState {
  holder: string;
  epoch: number;
  expiresAt: number;
}

export class Lease {
  /** The epoch this process holds, or null. */
  private held: number | null = null;

  constructor(
    private readonly db: MamoriDb,
    readonly name: string,
    /** Who this process is in the lease row (host, pid and a random part: two instances never share it). */
    readonly holder: string = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    private readonly now: () => number = Date.now,
  ) {}

  get epoch(): number | null {
    return this.held;
  }

  /** Takes the lease (or keeps it) until now + ttlMs; false when another holder's has not expired. */
  async acquire(ttlMs: number): Promise<boolean> {
    const got = await this.db.transaction(async (trx) => {
      const now = this.now();
      const at = new Date(now).toISOString();
      await trx
        .insertInto('soc_leases')
        .values({ name: this.name, holder: '', epoch: 0, expires_at: 0, updated_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const r = await trx
        .updateTable('soc_leases')
        .set({
          epoch: sql<number>`case when holder = ${this.holder} then epoch else epoch + 1 end`,
          holder: this.holder,
          expires_at: now + ttlMs,
          updated_at: at,
        })
        .where('name', '=', this.name)
        .where((eb) => eb.or([eb('holder', '=', this.holder), eb('expires_at', '<=', now)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      const row = await trx
        .selectFrom('soc_leases')
        .select('epoch')
        .where('name', '=', this.name)
        .executeTakeFirstOrThrow();
      return Number(row.epoch);
    });
    this.held = got;
    return got !== null;
  }

  /**
   * Inside a caller's transaction: confirms the lease is still this process's (same epoch) and extends it;
   * throws LeaseLostError otherwise, so the transaction's writes roll back.
   */
  async fence(trx: Trx, ttlMs: number): Promise<void> {
    if (this.held === null) throw new LeaseLostError(this.name);
    const now = this.now();
    const r = await trx
      .updateTable('soc_leases')
      .set({ expires_at: now + ttlMs, updated_at: new Date(now).toISOString() })
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .where('epoch', '=', this.held)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      this.held = null;
      throw new LeaseLostError(this.name);
    }
  }

  /** Extends the lease; false (and no longer held) when another process took it. */
  async renew(ttlMs: number): Promise<boolean> {
    try {
      await this.db.transaction((trx) => this.fence(trx, ttlMs));
      return true;
    } catch (err) {
      if (err instanceof LeaseLostError) return false;
      throw err;
    }
  }

  /** Keeps the lease until `until` (ms), e.g. the next pass; others may take it after. */
  async holdUntil(until: number): Promise<void> {
    if (this.held === null) return;
    await this.db.kysely
      .updateTable('soc_leases')
      .set({ expires_at: until, updated_at: new Date(this.now()).toISOString() })
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .where('epoch', '=', this.held)
      .execute();
  }

  async state(): Promise<LeaseState | null> {
    const r = await this.db.kysely
      .selectFrom('soc_leases')
      .selectAll()
      .where('name', '=', this.name)
      .executeTakeFirst();
    return r ? { holder: r.holder, epoch: Number(r.epoch), expiresAt: Number(r.expires_at) } : null;
  }
}
