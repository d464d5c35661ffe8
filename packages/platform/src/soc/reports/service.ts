// The monthly statistics report per municipality, prefecture or the whole country. Reads the hourly rollups
// (exact counters, kept after raw events expire) and the alerts; every read is scoped by the policy module:
// municipal staff get only their own organization (and what is below it).
import { MamoriError, type OrgKind } from '@mamori/core';
import { crsAttackTypes } from '@mamori/parsers';
import { sql, type Kysely } from 'kysely';
import type { Deps } from '../../context.js';
import type { Locale, RequestContext } from '../../types.js';
import {
  emptyFigures,
  figureValue,
  foldAlerts,
  foldRollups,
  type AlertRow,
  type RollupSum,
} from './figures.js';
import { hourBound, isMonth, lastCompleteMonth, monthRange, previousMonth } from './month.js';
import { reportLabels, type Label } from './labels.js';
import { renderReportPdf, renderReportXlsx } from './render.js';
import type {
  MonthlyFigures,
  MonthlyReport,
  MonthlyReportQuery,
  RenderedReport,
  ReportOrgRow,
  ReportRow,
  SocReportService,
} from './types.js';

/** Attack-type names as the parsers publish them (their crs.json). */
const attackTypes: Record<string, Label> = crsAttackTypes.types;

/** Only the columns the report reads; the tables belong to the pipeline (rollups) and detection (alerts). */
interface ReportTables {
  soc_rollups: {
    organization_id: string;
    prefecture_id: string;
    hour: string;
    source_kind: string;
    action: string;
    category: string;
    count: number | string;
  };
  soc_alerts: {
    organization_id: string | null;
    prefecture_id: string;
    severity: string;
    status: string;
    first_seen: string;
    acknowledged_at: string | null;
  };
  organizations: { id: string; name: string; name_en: string | null; code: string | null; kind: string };
}

type ScopeFilter =
  | { kind: 'municipality'; orgIds: string[] }
  | { kind: 'prefecture'; prefectureId: string }
  | { kind: 'state' };

export class SocReportServiceImpl implements SocReportService {
  constructor(private readonly d: Deps) {}

  private get db(): Kysely<ReportTables> {
    return this.d.db.reader() as unknown as Kysely<ReportTables>;
  }

  async monthly(ctx: RequestContext, query: MonthlyReportQuery): Promise<MonthlyReport> {
    if (typeof query.organizationId !== 'string' || query.organizationId === '') {
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'organizationId is required' });
    }
    await this.d.policy.assert(ctx.actor, 'events:read', { organizationId: query.organizationId });
    const month = query.month ?? lastCompleteMonth(this.d.now());
    if (!isMonth(month)) {
      throw new MamoriError('MAMORI_VALIDATION', { reason: `month must be YYYY-MM: ${month}` });
    }
    const locale: Locale = query.locale === 'en' ? 'en' : 'ja';
    const org = await this.db
      .selectFrom('organizations')
      .select(['id', 'name', 'name_en', 'code', 'kind'])
      .where('id', '=', query.organizationId)
      .executeTakeFirst();
    if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    const kind = org.kind as OrgKind;
    const scope: ScopeFilter =
      kind === 'state'
        ? { kind: 'state' }
        : kind === 'prefecture'
          ? { kind: 'prefecture', prefectureId: org.id }
          : { kind: 'municipality', orgIds: await this.d.directory.subtree(org.id) };

    const prev = previousMonth(month);
    const [cur, before] = await Promise.all([this.figures(scope, month), this.figures(scope, prev)]);
    const L = (l: Label) => l[locale];

    const rows: ReportRow[] = [];
    for (const [key, spec] of Object.entries(reportLabels.figures)) {
      if (key === 'mail.malwareDetected' && cur.total.mail.malwareDetected === 0) continue;
      const value = figureValue(cur.total, key);
      const previous = figureValue(before.total, key);
      rows.push({
        key,
        section: spec.section,
        sectionLabel: L(reportLabels.sections[spec.section] ?? { ja: spec.section, en: spec.section }),
        label: L(spec),
        value,
        previous,
        change: value === null || previous === null ? null : Math.round((value - previous) * 10) / 10,
      });
    }
    if (scope.kind !== 'municipality') {
      rows.push({
        key: 'unattributed',
        section: 'summary',
        sectionLabel: L(reportLabels.text.summary!),
        label: L(reportLabels.text.unattributed!),
        value: cur.total.unattributed,
        previous: before.total.unattributed,
        change: cur.total.unattributed - before.total.unattributed,
      });
    }

    const typeLabel = (t: string) => L(attackTypes[t] ?? attackTypes.other ?? { ja: t, en: t });
    const merge = <K extends 'type' | 'category'>(
      a: ({ [P in K]: string } & { count: number })[],
      b: ({ [P in K]: string } & { count: number })[],
      k: K,
    ) => {
      const keys = [...new Set([...a.map((x) => x[k]), ...b.map((x) => x[k])])];
      return keys.map((key) => ({
        key,
        count: a.find((x) => x[k] === key)?.count ?? 0,
        previous: b.find((x) => x[k] === key)?.count ?? 0,
      }));
    };
    const wafByType = merge(cur.total.waf.byType, before.total.waf.byType, 'type').map((x) => ({
      type: x.key,
      label: typeLabel(x.key),
      count: x.count,
      previous: x.previous,
    }));
    const proxyByCategory = merge(cur.total.proxy.byCategory, before.total.proxy.byCategory, 'category').map(
      (x) => ({
        category: x.key,
        label: x.key || L(reportLabels.text.uncategorized!),
        count: x.count,
        previous: x.previous,
      }),
    );

    const columns = reportLabels.byOrganizationColumns.map((key) => ({
      key,
      label: L(reportLabels.figures[key]!),
    }));
    const byOrganization: ReportOrgRow[] = [];
    if (scope.kind !== 'municipality' && cur.perOrg.size > 0) {
      const ids = [...cur.perOrg.keys()].filter((id) => id !== '');
      const names = ids.length
        ? await this.db
            .selectFrom('organizations')
            .select(['id', 'name', 'name_en', 'code'])
            .where('id', 'in', ids)
            .execute()
        : [];
      const byId = new Map(names.map((n) => [n.id, n]));
      for (const [id, f] of cur.perOrg) {
        if (id === '') continue;
        const n = byId.get(id);
        byOrganization.push({
          organizationId: id,
          name: n ? (locale === 'en' && n.name_en ? n.name_en : n.name) : id,
          code: n?.code ?? null,
          values: Object.fromEntries(columns.map((c) => [c.key, figureValue(f, c.key) ?? 0])),
        });
      }
      byOrganization.sort((a, b) => (a.code ?? a.organizationId).localeCompare(b.code ?? b.organizationId));
    }

    const range = monthRange(month);
    return {
      month,
      previousMonth: prev,
      locale,
      title: L(reportLabels.title),
      scope: {
        kind: scope.kind,
        organizationId: org.id,
        name: locale === 'en' && org.name_en ? org.name_en : org.name,
        code: org.code,
      },
      period: { from: range.from.toISOString(), to: range.to.toISOString() },
      current: cur.total,
      previous: before.total,
      rows,
      wafByType,
      proxyByCategory,
      byOrganization,
      byOrganizationColumns: columns,
      generatedAt: this.d.now().toISOString(),
    };
  }

  async monthlyPdf(ctx: RequestContext, query: MonthlyReportQuery): Promise<RenderedReport> {
    const report = await this.monthly(ctx, query);
    return {
      body: await renderReportPdf(report),
      contentType: 'application/pdf',
      fileName: fileName(report, 'pdf'),
    };
  }

  async monthlyXlsx(ctx: RequestContext, query: MonthlyReportQuery): Promise<RenderedReport> {
    const report = await this.monthly(ctx, query);
    return {
      body: await renderReportXlsx(report),
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      fileName: fileName(report, 'xlsx'),
    };
  }

  /** The month's figures for the scope, and per organization (for the breakdown table). */
  private async figures(
    scope: ScopeFilter,
    month: string,
  ): Promise<{ total: MonthlyFigures; perOrg: Map<string, MonthlyFigures> }> {
    const { from, to } = monthRange(month);
    let rq = this.db
      .selectFrom('soc_rollups')
      .select([
        'organization_id',
        'prefecture_id',
        'source_kind',
        'action',
        'category',
        sql<number | string>`sum(count)`.as('n'),
      ])
      .where('hour', '>=', hourBound(from))
      .where('hour', '<', hourBound(to))
      .groupBy(['organization_id', 'prefecture_id', 'source_kind', 'action', 'category']);
    let aq = this.db
      .selectFrom('soc_alerts')
      .select(['organization_id', 'prefecture_id', 'severity', 'status', 'first_seen', 'acknowledged_at'])
      .where('first_seen', '>=', from.toISOString())
      .where('first_seen', '<', to.toISOString());
    if (scope.kind === 'municipality') {
      rq = rq.where('organization_id', 'in', scope.orgIds);
      aq = aq.where('organization_id', 'in', scope.orgIds);
    } else if (scope.kind === 'prefecture') {
      rq = rq.where('prefecture_id', '=', scope.prefectureId);
      aq = aq.where('prefecture_id', '=', scope.prefectureId);
    }
    const [rollups, alerts] = await Promise.all([rq.execute(), aq.execute()]);

    // The breakdown is per municipality in a prefecture report and per prefecture in the state's.
    const groupOf = (orgId: string, prefectureId: string) => (scope.kind === 'state' ? prefectureId : orgId);
    const sums = new Map<string, RollupSum[]>();
    const all: RollupSum[] = [];
    for (const r of rollups) {
      const row: RollupSum = {
        organizationId: r.organization_id,
        sourceKind: r.source_kind,
        action: r.action,
        category: r.category ?? '',
        count: Number(r.n),
      };
      all.push(row);
      const g = groupOf(r.organization_id, r.prefecture_id);
      const list = sums.get(g) ?? [];
      list.push(row);
      sums.set(g, list);
    }
    const alertRows = new Map<string, AlertRow[]>();
    const allAlerts: AlertRow[] = [];
    for (const a of alerts) {
      const row: AlertRow = {
        organizationId: a.organization_id,
        severity: a.severity,
        status: a.status,
        firstSeen: a.first_seen,
        acknowledgedAt: a.acknowledged_at,
      };
      allAlerts.push(row);
      const g = groupOf(a.organization_id ?? '', a.prefecture_id);
      const list = alertRows.get(g) ?? [];
      list.push(row);
      alertRows.set(g, list);
    }
    const total = foldAlerts(foldRollups(emptyFigures(), all), allAlerts);
    const perOrg = new Map<string, MonthlyFigures>();
    for (const g of new Set([...sums.keys(), ...alertRows.keys()])) {
      perOrg.set(g, foldAlerts(foldRollups(emptyFigures(), sums.get(g) ?? []), alertRows.get(g) ?? []));
    }
    return { total, perOrg };
  }
}

function fileName(report: MonthlyReport, ext: string): string {
  const who = report.scope.code ?? report.scope.organizationId;
  return `mamori-soc-report-${who}-${report.month}.${ext}`;
}
