// A table whose rows a process keeps in memory (attribution rules, registered syslog sources): reloaded at once
// by the process that changed it, and by every other process when a cheap fingerprint (row count, newest
// update) has moved since the last load (refresh(), on an interval).
import { sql } from 'kysely';
import type { MamoriDb } from '@mamori/store';

export type WatchedTable = 'soc_attribution_rules' | 'soc_syslog_sources';

export class TableWatch {
  private fingerprint = '';

  constructor(
    private readonly db: MamoriDb,
    private readonly table: WatchedTable,
    private readonly reload: () => Promise<void>,
  ) {}

  private async current(): Promise<string> {
    const r = await this.db
      .reader()
      .selectFrom(this.table as 'soc_attribution_rules')
      .select([sql<number>`count(*)`.as('n'), sql<string | null>`max(updated_at)`.as('m')])
      .executeTakeFirst();
    return `${r?.n ?? 0}|${r?.m ?? ''}`;
  }

  /** Reloads now (after a change made by this process). */
  async load(): Promise<void> {
    // Taken first: a change landing during the reload moves it again and is picked up by the next refresh.
    const fp = await this.current();
    await this.reload();
    this.fingerprint = fp;
  }

  /** Reloads when another process changed the table; true when it did. */
  async refresh(): Promise<boolean> {
    if ((await this.current()) === this.fingerprint) return false;
    await this.load();
    return true;
  }
}
