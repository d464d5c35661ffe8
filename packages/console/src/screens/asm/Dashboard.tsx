// ASM dashboard: the prefecture's municipalities (prefecture roles) or every prefecture (state roles) —
// coverage, open findings by severity, KEV exposures and time to fix.
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import { StopSwitch } from './StopSwitch.js';
import { severities, type AsmAggregate, type AsmDashboard } from './types.js';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const days = (x: number | null) => (x === null ? '—' : String(Math.round(x * 10) / 10));

const periods = [30, 90, 365] as const;
const coverageWindows = [7, 30, 90] as const;

export function DashboardScreen({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const [d, setD] = useState<AsmDashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The period bounds the findings counted (opened/fixed in it); coverage counts organizations scanned within
  // the last N days; state roles may narrow the view to one prefecture (its municipalities, as a prefecture sees).
  const [periodDays, setPeriodDays] = useState<number>(90);
  const [coverageDays, setCoverageDays] = useState<number>(30);
  const [prefectureCode, setPrefectureCode] = useState<string>('');
  const [prefectures, setPrefectures] = useState<{ code: string; name: string }[]>([]);
  const query = useMemo(() => {
    const q = new URLSearchParams({
      from: new Date(Date.now() - periodDays * 86_400_000).toISOString(),
      coverageDays: String(coverageDays),
    });
    if (prefectureCode) q.set('prefectureCode', prefectureCode);
    return q.toString();
  }, [periodDays, coverageDays, prefectureCode]);
  useEffect(() => {
    let live = true;
    api
      .get<AsmDashboard>(`/asm/dashboard?${query}`)
      .then((r) => {
        if (!live) return;
        setD(r);
        // The prefecture list comes from the state-wide view, kept while one prefecture is shown.
        if (r.scope === 'state')
          setPrefectures(r.prefectures.map((p) => ({ code: p.prefectureCode, name: p.prefectureName })));
      })
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.localized(locale) : String(e)));
    return () => {
      live = false;
    };
  }, [query]);
  const stateView = prefectures.length > 0;
  const aggColumns = <T extends AsmAggregate>() => [
    {
      key: 'coverage',
      header: t('asm.dash.coverage', { n: coverageDays }),
      numeric: true,
      sortValue: (r: T) => r.coverage,
      render: (r: T) => pct(r.coverage),
    },
    ...severities.slice(0, 3).map((s) => ({
      key: s,
      header: t(`asm.sev.${s}` as MessageKey),
      numeric: true,
      sortValue: (r: T) => r.openBySeverity[s],
      render: (r: T) => r.openBySeverity[s],
    })),
    {
      key: 'kev',
      header: t('asm.dash.kev'),
      numeric: true,
      sortValue: (r: T) => r.kevExposures,
      render: (r: T) => r.kevExposures,
    },
    {
      key: 'ttf',
      header: t('asm.dash.meanDays'),
      numeric: true,
      sortValue: (r: T) => r.meanDaysToFix ?? -1,
      render: (r: T) => days(r.meanDaysToFix),
    },
  ];
  return (
    <>
      <PageHeader title={t('asm.dash.title')} lead={t('asm.dash.lead')} />
      <StopSwitch me={me} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      <section className="card" aria-labelledby="asm-d-filter">
        <h2 id="asm-d-filter" className="card-title">
          {t('asm.dash.filter')}
        </h2>
        <div className="form-grid">
          {stateView ? (
            <SelectField
              label={t('asm.dash.prefectureName')}
              value={prefectureCode}
              onChange={(e) => setPrefectureCode(e.target.value)}
              options={[
                { value: '', label: t('asm.dash.allPrefectures') },
                ...prefectures.map((p) => ({ value: p.code, label: p.name })),
              ]}
            />
          ) : null}
          <SelectField
            label={t('asm.dash.period')}
            support={t('asm.dash.periodHelp')}
            value={String(periodDays)}
            onChange={(e) => setPeriodDays(Number(e.target.value))}
            options={periods.map((n) => ({ value: String(n), label: t('asm.dash.lastDays', { n }) }))}
          />
          <SelectField
            label={t('asm.dash.coverageWindow')}
            support={t('asm.dash.coverageWindowHelp')}
            value={String(coverageDays)}
            onChange={(e) => setCoverageDays(Number(e.target.value))}
            options={coverageWindows.map((n) => ({
              value: String(n),
              label: t('asm.dash.withinDays', { n }),
            }))}
          />
        </div>
      </section>
      {d === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <>
          <section className="card" aria-labelledby="asm-d-total">
            <h2 id="asm-d-total" className="card-title">
              {d.scope === 'state'
                ? t('asm.dash.state')
                : (prefectures.find((p) => p.code === d.prefectureCode)?.name ?? t('asm.dash.prefecture'))}
            </h2>
            <dl className="asm-figures">
              <div>
                <dt>{t('asm.dash.coverage', { n: coverageDays })}</dt>
                <dd>{`${pct(d.total.coverage)}（${d.total.covered} / ${d.total.organizations}）`}</dd>
              </div>
              {severities.slice(0, 4).map((s) => (
                <div key={s}>
                  <dt>{t(`asm.sev.${s}` as MessageKey)}</dt>
                  <dd>{d.total.openBySeverity[s]}</dd>
                </div>
              ))}
              <div>
                <dt>{t('asm.dash.kev')}</dt>
                <dd>{`${d.total.kevExposures}（${t('asm.dash.kevOrgs', { n: d.total.kevOrganizations })}）`}</dd>
              </div>
              <div>
                <dt>{t('asm.dash.meanDays')}</dt>
                <dd>{days(d.total.meanDaysToFix)}</dd>
              </div>
              <div>
                <dt>{t('asm.dash.medianDays')}</dt>
                <dd>{days(d.total.medianDaysToFix)}</dd>
              </div>
            </dl>
          </section>
          {d.scope === 'state' ? (
            <section className="card" aria-labelledby="asm-d-pref">
              <h2 id="asm-d-pref" className="card-title">
                {t('asm.dash.byPrefecture')}
              </h2>
              <DataTable
                caption={t('asm.dash.byPrefecture')}
                rows={d.prefectures}
                rowKey={(r) => r.prefectureCode}
                empty={t('asm.dash.none')}
                columns={[
                  {
                    key: 'name',
                    header: t('asm.dash.prefectureName'),
                    sortValue: (r) => r.prefectureCode,
                    render: (r) => (
                      <Button
                        variant="text"
                        size="sm"
                        onClick={() => setPrefectureCode(r.prefectureCode)}
                        title={t('asm.dash.drill', { name: r.prefectureName })}
                      >
                        {r.prefectureName}
                      </Button>
                    ),
                  },
                  ...aggColumns<AsmDashboard['prefectures'][number]>(),
                ]}
              />
            </section>
          ) : (
            <section className="card" aria-labelledby="asm-d-muni">
              <h2 id="asm-d-muni" className="card-title">
                {t('asm.dash.byMunicipality')}
              </h2>
              <DataTable
                caption={t('asm.dash.byMunicipality')}
                rows={d.municipalities}
                rowKey={(r) => r.organizationId}
                empty={t('asm.dash.none')}
                initialSort={{ key: 'risk', dir: 'desc' }}
                columns={[
                  {
                    key: 'name',
                    header: t('asm.organization'),
                    sortValue: (r) => r.name,
                    render: (r) => r.name,
                  },
                  {
                    key: 'risk',
                    header: t('asm.dash.risk'),
                    numeric: true,
                    sortValue: (r) => r.riskScore,
                    render: (r) => r.riskScore,
                  },
                  ...aggColumns<AsmDashboard['municipalities'][number]>(),
                ]}
              />
            </section>
          )}
        </>
      )}
    </>
  );
}
