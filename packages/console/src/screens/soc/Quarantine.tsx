// Quarantine: log lines that could not be parsed, kept with the reason (never silently dropped).
import { useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { QuarantinedLine } from './types.js';

export function QuarantineScreen(_: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [rows, setRows] = useState<QuarantinedLine[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    try {
      const r = await api.get<Page<QuarantinedLine>>('/soc/quarantine', { limit: 50, cursor });
      setRows((x) => (cursor ? [...(x ?? []), ...r.items] : r.items));
      setNext(r.nextCursor ?? null);
    } catch (e) {
      if (!cursor) setRows([]);
      setError(e instanceof ApiError ? e.localized(locale) : String(e));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <PageHeader title={t('soc.quarantine.title')} lead={t('soc.quarantine.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      <section className="card" aria-labelledby="soc-q-h">
        <h2 id="soc-q-h" className="card-title">
          {t('soc.quarantine.lines')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <p className="result-count" role="status">
              {t('soc.shown', { n: rows.length })}
            </p>
            <DataTable
              caption={t('soc.quarantine.lines')}
              rows={rows}
              rowKey={(r) => r.id}
              empty={t('soc.quarantine.none')}
              initialSort={{ key: 'at', dir: 'desc' }}
              columns={[
                {
                  key: 'at',
                  header: t('soc.quarantine.receivedAt'),
                  sortValue: (r) => r.receivedAt,
                  render: (r) => <span className="nowrap">{dateTime(r.receivedAt)}</span>,
                },
                {
                  key: 'source',
                  header: t('soc.quarantine.source'),
                  sortValue: (r) => r.peer,
                  render: (r) => <span className="mono">{`${r.transport} ${r.peer}`}</span>,
                },
                { key: 'format', header: t('soc.format'), render: (r) => r.format ?? 'auto' },
                { key: 'reason', header: t('soc.quarantine.reason'), render: (r) => r.reason },
                {
                  key: 'line',
                  header: t('soc.quarantine.line'),
                  render: (r) => <code className="mono wrap">{r.line.slice(0, 300)}</code>,
                },
              ]}
            />
            {next ? (
              <Button variant="outline" size="sm" onClick={() => void load(next)}>
                {t('common.loadMore')}
              </Button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
