// Monthly statistics report (per municipality or prefecture): the figures with last month and the change,
// WAF attacks by type, the breakdown by organization, and PDF / Excel downloads of the same report.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import { ScopePicker, formatNumber } from './common.js';
import type { MonthlyReport, ReportRow } from './types.js';

/** The last 13 months in Japan time, newest first; the default is last month (the last complete one). */
function recentMonths(now = new Date()): string[] {
  const jst = new Date(now.getTime() + 9 * 3600_000);
  const out: string[] = [];
  for (let i = 0; i < 13; i++) {
    const d = new Date(Date.UTC(jst.getUTCFullYear(), jst.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

export function MonthlyReportScreen({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const months = recentMonths();
  const [month, setMonth] = useState(months[1]!);
  const [orgId, setOrgId] = useState(me.organization.id);
  const [report, setReport] = useState<MonthlyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const query = (m = month, o = orgId) => ({ organizationId: o, month: m, lang: locale });
  const load = async (m = month, o = orgId) => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api.get<MonthlyReport>('/soc/reports/monthly', query(m, o)));
    } catch (e) {
      setReport(null);
      setError(e instanceof ApiError ? e.localized(locale) : String(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, [locale]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };
  const qs = new URLSearchParams(query()).toString();
  const monthName = (m: string) => (locale === 'ja' ? `${m.slice(0, 4)}年${Number(m.slice(5))}月` : m);
  const change = (r: ReportRow) =>
    r.change === null ? (
      '—'
    ) : (
      <span className={r.change > 0 ? 'soc-change-up' : r.change < 0 ? 'soc-change-down' : undefined}>
        {r.change > 0 ? '+' : ''}
        {formatNumber(locale, r.change)}
      </span>
    );

  return (
    <>
      <PageHeader title={t('soc.report.title')} lead={t('soc.report.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      <section className="card" aria-labelledby="soc-report-form-h">
        <h2 id="soc-report-form-h" className="card-title">
          {t('soc.report.choose')}
        </h2>
        <form onSubmit={submit} className="filter-grid">
          <ScopePicker me={me} value={orgId} onChange={setOrgId} />
          <SelectField
            label={t('soc.report.month')}
            name="month"
            value={month}
            onChange={(e) => setMonth(e.target.value)}
            options={months.map((m) => ({ value: m, label: monthName(m) }))}
          />
          <div className="form-actions form-span">
            <Button type="submit" busy={busy}>
              {t('soc.report.show')}
            </Button>
          </div>
        </form>
      </section>
      {report ? (
        <>
          <section className="card" aria-labelledby="soc-report-h">
            <h2 id="soc-report-h" className="card-title">
              {report.title}：{report.scope.name}
              {report.scope.code ? `（${report.scope.code}）` : ''} {monthName(report.month)}
            </h2>
            <div className="soc-downloads">
              <a className="btn btn-outline btn-md" href={`/api/v1/soc/reports/monthly/pdf?${qs}`} download>
                {t('soc.report.pdf')}
              </a>
              <a className="btn btn-outline btn-md" href={`/api/v1/soc/reports/monthly/xlsx?${qs}`} download>
                {t('soc.report.xlsx')}
              </a>
            </div>
            <DataTable
              caption={t('soc.report.figures')}
              rows={report.rows}
              rowKey={(r) => r.key}
              empty={t('common.none')}
              columns={[
                { key: 'section', header: t('soc.report.section'), render: (r) => r.sectionLabel },
                { key: 'label', header: t('soc.report.figure'), render: (r) => r.label },
                {
                  key: 'value',
                  header: monthName(report.month),
                  numeric: true,
                  render: (r) => <span data-key={r.key}>{formatNumber(locale, r.value)}</span>,
                },
                {
                  key: 'previous',
                  header: monthName(report.previousMonth),
                  numeric: true,
                  render: (r) => formatNumber(locale, r.previous),
                },
                { key: 'change', header: t('soc.report.change'), numeric: true, render: change },
              ]}
            />
          </section>
          <section className="card" aria-labelledby="soc-report-waf-h">
            <h2 id="soc-report-waf-h" className="card-title">
              {t('soc.report.wafByType')}
            </h2>
            <DataTable
              caption={t('soc.report.wafByType')}
              rows={report.wafByType}
              rowKey={(r) => r.type}
              empty={t('soc.report.noAttacks')}
              initialSort={{ key: 'count', dir: 'desc' }}
              columns={[
                { key: 'label', header: t('soc.report.attackType'), render: (r) => r.label },
                {
                  key: 'count',
                  header: monthName(report.month),
                  numeric: true,
                  sortValue: (r) => r.count,
                  render: (r) => <span data-type={r.type}>{formatNumber(locale, r.count)}</span>,
                },
                {
                  key: 'previous',
                  header: monthName(report.previousMonth),
                  numeric: true,
                  render: (r) => formatNumber(locale, r.previous),
                },
              ]}
            />
          </section>
          {report.byOrganization.length > 0 ? (
            <section className="card" aria-labelledby="soc-report-org-h">
              <h2 id="soc-report-org-h" className="card-title">
                {t('soc.report.byOrganization')}
              </h2>
              <DataTable
                caption={t('soc.report.byOrganization')}
                rows={report.byOrganization}
                rowKey={(r) => r.organizationId}
                empty={t('common.none')}
                columns={[
                  {
                    key: 'name',
                    className: 'nowrap',
                    header: t('soc.organization'),
                    sortValue: (r) => r.code ?? r.name,
                    render: (r) => (r.code ? `${r.name}（${r.code}）` : r.name),
                  },
                  ...report.byOrganizationColumns.map((c) => ({
                    key: c.key,
                    header: c.label,
                    numeric: true,
                    sortValue: (r: MonthlyReport['byOrganization'][number]) => r.values[c.key] ?? 0,
                    render: (r: MonthlyReport['byOrganization'][number]) =>
                      formatNumber(locale, r.values[c.key] ?? 0),
                  })),
                ]}
              />
            </section>
          ) : null}
          <p className="result-count">{t('soc.report.timeNote')}</p>
        </>
      ) : null}
    </>
  );
}
