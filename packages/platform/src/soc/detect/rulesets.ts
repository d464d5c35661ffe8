// Which Sigma rule sets run for a prefecture, per logsource: chosen by its operators (soc:manage), stored in
// soc_rule_sets; a logsource never chosen runs the catalogue's defaults.
import { MamoriError } from '@mamori/core';
import type { Deps } from '../../context.js';
import type { RequestContext } from '../../types.js';
import type { RuleSetCatalogue } from './sigma.js';

export interface RuleSetState {
  name: string;
  ja: string;
  en: string;
  default: boolean;
  enabled: boolean;
  /** Rule files in the set. */
  rules: number;
}

export interface LogsourceRuleSets {
  logsource: string;
  ja: string;
  en: string;
  /** false: never chosen, the defaults run. */
  configured: boolean;
  ruleSets: RuleSetState[];
}

export interface PrefectureRuleSets {
  prefectureId: string;
  logsources: LogsourceRuleSets[];
}

export class RuleSetServiceImpl {
  /** Called after a change, so detection recompiles that prefecture's engines. */
  onChange: (prefectureId: string) => void = () => {};

  constructor(
    private readonly d: Deps,
    readonly catalogue: RuleSetCatalogue,
  ) {}

  private async prefecture(id: string): Promise<void> {
    const org = await this.d.directory.get(id);
    if (!org || org.kind !== 'prefecture')
      throw new MamoriError('MAMORI_NOT_FOUND', undefined, { reason: `prefecture ${id}` });
  }

  /** Enabled rule-set names per logsource (no policy check: detection's own reading). */
  async enabled(prefectureId: string): Promise<Map<string, string[]>> {
    const db = this.d.db.kysely;
    const chosen = await db
      .selectFrom('soc_rule_set_choices')
      .select('logsource')
      .where('prefecture_id', '=', prefectureId)
      .execute();
    const sets = await db
      .selectFrom('soc_rule_sets')
      .select(['logsource', 'rule_set'])
      .where('prefecture_id', '=', prefectureId)
      .execute();
    const configured = new Set(chosen.map((c) => c.logsource));
    const out = new Map<string, string[]>();
    for (const l of this.catalogue.logsources) {
      out.set(
        l.key,
        configured.has(l.key)
          ? sets
              .filter((s) => s.logsource === l.key && this.catalogue.ruleSet(s.rule_set))
              .map((s) => s.rule_set)
          : this.catalogue.defaults(l.key),
      );
    }
    return out;
  }

  async get(ctx: RequestContext, prefectureId: string): Promise<PrefectureRuleSets> {
    await this.d.policy.assert(ctx.actor, 'soc:read', { organizationId: prefectureId });
    await this.prefecture(prefectureId);
    const chosen = new Set(
      (
        await this.d.db.kysely
          .selectFrom('soc_rule_set_choices')
          .select('logsource')
          .where('prefecture_id', '=', prefectureId)
          .execute()
      ).map((c) => c.logsource),
    );
    const enabled = await this.enabled(prefectureId);
    return {
      prefectureId,
      logsources: this.catalogue.logsources.map((l) => ({
        logsource: l.key,
        ja: l.ja,
        en: l.en,
        configured: chosen.has(l.key),
        ruleSets: this.catalogue.ruleSets
          .filter((r) => r.logsource === l.key)
          .map((r) => ({
            name: r.name,
            ja: r.ja,
            en: r.en,
            default: r.default,
            enabled: (enabled.get(l.key) ?? []).includes(r.name),
            rules: this.catalogue.ruleFileCount(r),
          })),
      })),
    };
  }

  /** Sets the rule sets of one logsource (an empty list turns Sigma off for it); null returns to the defaults. */
  async set(
    ctx: RequestContext,
    prefectureId: string,
    logsource: string,
    ruleSets: string[] | null,
  ): Promise<PrefectureRuleSets> {
    await this.d.mutate(ctx, 'soc.rule_sets.set', async (trx, note) => {
      note.target = `${prefectureId}:${logsource}`;
      note.organizationId = prefectureId;
      note.details = { logsource, ruleSets };
      await this.d.policy.assert(ctx.actor, 'soc:manage', { organizationId: prefectureId });
      await this.prefecture(prefectureId);
      if (!this.catalogue.logsources.some((l) => l.key === logsource))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown logsource ${logsource}` });
      for (const name of ruleSets ?? []) {
        const spec = this.catalogue.ruleSet(name);
        if (!spec) throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown rule set ${name}` });
        if (spec.logsource !== logsource)
          throw new MamoriError('MAMORI_VALIDATION', {
            reason: `rule set ${name} is for logsource ${spec.logsource}`,
          });
      }
      const now = this.d.now().toISOString();
      await trx
        .deleteFrom('soc_rule_sets')
        .where('prefecture_id', '=', prefectureId)
        .where('logsource', '=', logsource)
        .execute();
      await trx
        .deleteFrom('soc_rule_set_choices')
        .where('prefecture_id', '=', prefectureId)
        .where('logsource', '=', logsource)
        .execute();
      if (ruleSets !== null) {
        await trx
          .insertInto('soc_rule_set_choices')
          .values({ prefecture_id: prefectureId, logsource, updated_at: now })
          .execute();
        const unique = [...new Set(ruleSets)];
        if (unique.length > 0)
          await trx
            .insertInto('soc_rule_sets')
            .values(
              unique.map((r) => ({ prefecture_id: prefectureId, logsource, rule_set: r, updated_at: now })),
            )
            .execute();
      }
    });
    this.onChange(prefectureId);
    return this.get(ctx, prefectureId);
  }
}
