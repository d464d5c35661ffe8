// One ASM scan run: its status, who asked and when, the counts, and what changed since the previous run
// (new, resolved, reopened findings), each change linking to the finding.
import { Fragment, useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { AsmScanChange, AsmScanRunDetail } from './types.js';

const changes: AsmScanChange[] = ['new', 'resolved', 'reopened'];

export function ScanRunScreen({ id }: { id: string }) {
  const { t, locale, dateTime } = useI18n();
  const [run, setRun] = useState<AsmScanRunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [change, setChange] = useState<'' | AsmScanChange>('');
  useEffect(() => {
    setRun(null);
    setError(null);
    api
      .get<AsmScanRunDetail>(`/asm/scans/${encodeURIComponent(id)}`)
      .then(setRun)
      .catch((e: unknown) =>
        setError(
          // Another organization's run is indistinguishable from a missing one.
          e instanceof ApiError && (e.status === 404 || e.status === 403)
            ? t('asm.run.notFound')
            : e instanceof ApiError
              ? e.localized(locale)
              : String(e),
        ),
      );
  }, [id]);

  const back = (
    <Link href="/asm/scope" className="btn btn-outline btn-md">
      {t('asm.run.back')}
    </Link>
  );
  if (!run) {
    return (
      <>
        <PageHeader title={t('asm.run.title')}>{back}</PageHeader>
        {error ? <Banner kind="error" title={error} /> : <p>{t('common.loading')}</p>}
      </>
    );
  }
  const c = run.counts;
  const counts: [MessageKey, number][] = [
    ['asm.scans.hosts', c.hosts],
    ['asm.run.services', c.services],
    ['asm.scans.findings', c.findings],
    ['asm.scans.new', c.new],
    ['asm.scans.resolved', c.resolved],
    ['asm.run.reopened', c.reopened],
    ['asm.run.assetsNew', c.assetsNew],
    ['asm.run.assetsChanged', c.assetsChanged],
    ['asm.run.assetsVanished', c.assetsVanished],
    ['asm.run.discoveredScanned', c.discoveredScanned],
    ['asm.run.refused', c.refused],
  ];
  const rows = change ? run.diff.filter((d) => d.change === change) : run.diff;
  return (
    <>
      <PageHeader title={t('asm.run.title')} lead={t('asm.run.lead')}>
        {back}
      </PageHeader>
      {run.status === 'failed' && run.error ? (
        <Banner kind="error" title={t('asm.run.error')}>
          {run.error}
        </Banner>
      ) : null}
      <section className="card" aria-labelledby="asm-run-h">
        <h2 id="asm-run-h" className="card-title">
          {t('asm.run.summary')}
        </h2>
        <dl className="asm-kv" data-testid="asm-run-summary">
          <dt>{t('asm.status')}</dt>
          <dd>{t(`asm.scans.status.${run.status}` as MessageKey)}</dd>
          <dt>{t('asm.run.organization')}</dt>
          <dd>{run.organizationName}</dd>
          <dt>{t('asm.run.trigger')}</dt>
          <dd>{t(`asm.run.trigger.${run.trigger}` as MessageKey)}</dd>
          <dt>{t('asm.run.requestedBy')}</dt>
          <dd>{run.requestedBy ?? '—'}</dd>
          <dt>{t('asm.scans.queuedAt')}</dt>
          <dd>{dateTime(run.queuedAt)}</dd>
          <dt>{t('asm.run.startedAt')}</dt>
          <dd>{run.startedAt ? dateTime(run.startedAt) : '—'}</dd>
          <dt>{t('asm.run.finishedAt')}</dt>
          <dd>{run.finishedAt ? dateTime(run.finishedAt) : '—'}</dd>
          <dt>{t('asm.scans.ports')}</dt>
          <dd className="mono">{run.ports}</dd>
          {run.error ? (
            <>
              <dt>{t('asm.run.error')}</dt>
              <dd>{run.error}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section className="card" aria-labelledby="asm-run-c">
        <h2 id="asm-run-c" className="card-title">
          {t('asm.run.counts')}
        </h2>
        <dl className="asm-kv" data-testid="asm-run-counts">
          {counts.map(([k, n]) => (
            <Fragment key={k}>
              <dt>{t(k)}</dt>
              <dd>{n.toLocaleString(locale)}</dd>
            </Fragment>
          ))}
        </dl>
      </section>
      <section className="card" aria-labelledby="asm-run-d">
        <h2 id="asm-run-d" className="card-title">
          {t('asm.run.diff')}
        </h2>
        <div className="filter-grid">
          <SelectField
            label={t('asm.run.filter')}
            value={change}
            onChange={(e) => setChange(e.target.value as '' | AsmScanChange)}
            options={[
              { value: '', label: t('asm.run.filterAll') },
              ...changes.map((x) => ({
                value: x,
                label: `${t(`asm.run.change.${x}` as MessageKey)}（${run.diff.filter((d) => d.change === x).length}）`,
              })),
            ]}
          />
        </div>
        <DataTable
          caption={t('asm.run.diff')}
          rows={rows}
          rowKey={(d) => `${d.change}:${d.findingId}`}
          empty={t('asm.run.diffNone')}
          columns={[
            {
              key: 'change',
              header: t('asm.run.change'),
              sortValue: (d) => changes.indexOf(d.change),
              render: (d) => t(`asm.run.change.${d.change}` as MessageKey),
            },
            {
              key: 'severity',
              header: t('asm.severity'),
              render: (d) => (
                <span className={`asm-sev asm-sev-${d.severity}`}>
                  {t(`asm.sev.${d.severity}` as MessageKey)}
                </span>
              ),
            },
            {
              key: 'title',
              header: t('asm.title'),
              sortValue: (d) => d.title,
              render: (d) => <Link href={`/asm/findings/${encodeURIComponent(d.findingId)}`}>{d.title}</Link>,
            },
            {
              key: 'target',
              header: t('asm.target'),
              render: (d) => <span className="mono">{d.port === null ? d.host : `${d.host}:${d.port}`}</span>,
            },
            {
              key: 'check',
              header: t('asm.check'),
              render: (d) => <span className="mono">{d.check}</span>,
            },
          ]}
        />
      </section>
    </>
  );
}
