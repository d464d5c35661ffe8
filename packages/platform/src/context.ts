// What every service shares: the database, the clock, the policy module and the audited-write helper.
import { isMamoriError, type MamoriConfig } from '@mamori/core';
import type { MamoriDb, Trx } from '@mamori/store';
import type { Logger } from 'pino';
import { appendAudit, type AuditEntry } from './audit/chain.js';
import type { OrgDirectory } from './orgs/directory.js';
import type { Policy } from './policy/policy.js';
import type { RequestContext } from './types.js';
import type { Clock } from './util.js';
import type { SecretBox } from './auth/secret-box.js';

export interface AuditNote {
  target?: string | null;
  organizationId?: string | null;
  details?: Record<string, unknown> | null;
  actorName?: string | null;
  actorId?: string | null;
}

export class Deps {
  constructor(
    readonly config: MamoriConfig,
    readonly db: MamoriDb,
    readonly logger: Logger,
    readonly policy: Policy,
    readonly directory: OrgDirectory,
    readonly clock: Clock,
    readonly secrets: SecretBox,
  ) {}

  now(): Date {
    return this.clock();
  }

  /** Appends one audit record in its own transaction (used for failures, whose change was rolled back). */
  async record(ctx: RequestContext, entry: AuditEntry): Promise<void> {
    await this.db.transaction((trx) => appendAudit(trx, this.db.dialect, ctx, entry, this.now()));
  }

  /**
   * Runs a state change and its audit record in one transaction. `fn` fills `note` (target, organization,
   * details). When it throws, the change is rolled back and a 'denied' (policy) or 'failure' record is written
   * on its own, so refused attempts are in the trail too.
   */
  async mutate<T>(
    ctx: RequestContext,
    action: string,
    fn: (trx: Trx, note: AuditNote) => Promise<T>,
  ): Promise<T> {
    const note: AuditNote = {};
    try {
      return await this.db.transaction(async (trx) => {
        const result = await fn(trx, note);
        await appendAudit(trx, this.db.dialect, ctx, { action, result: 'success', ...note }, this.now());
        return result;
      });
    } catch (err) {
      const denied =
        isMamoriError(err) && (err.code === 'MAMORI_FORBIDDEN' || err.code === 'MAMORI_UNAUTHENTICATED');
      try {
        await this.record(ctx, {
          action,
          result: denied ? 'denied' : 'failure',
          ...note,
          details: { ...(note.details ?? {}), error: isMamoriError(err) ? err.code : 'MAMORI_INTERNAL' },
        });
      } catch (auditErr) {
        this.logger.error({ err: auditErr, action }, 'could not record a failed action in the audit trail');
      }
      throw err;
    }
  }
}
