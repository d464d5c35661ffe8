// ASM asset inventory: every internet-facing host found, its services and open findings.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { AsmAsset } from './types.js';

export function AssetsScreen(_: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<AsmAsset[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (cursor?: string) => {
    try {
      const r = await api.get<Page<AsmAsset>>('/asm/assets', { q, limit: 100, cursor });
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
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };
  return (
    <>
      <PageHeader title={t('asm.assets.title')} lead={t('asm.assets.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      <section className="card" aria-labelledby="asm-a-h">
        <h2 id="asm-a-h" className="card-title">
          {t('asm.assets.list')}
        </h2>
        <form onSubmit={submit} className="filter-grid">
          <TextField
            label={t('asm.assets.q')}
            support={t('asm.assets.qSupport')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('common.search')}</Button>
          </div>
        </form>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <DataTable
              caption={t('asm.assets.list')}
              rows={rows}
              rowKey={(r) => r.id}
              empty={t('asm.assets.none')}
              columns={[
                {
                  key: 'host',
                  header: t('asm.host'),
                  sortValue: (r) => r.host,
                  render: (r) => <span className="mono">{r.host}</span>,
                },
                {
                  key: 'addresses',
                  header: t('asm.addresses'),
                  render: (r) => <span className="mono">{r.addresses.join(', ')}</span>,
                },
                {
                  key: 'services',
                  header: t('asm.services'),
                  render: (r) =>
                    r.services
                      .map(
                        (s) =>
                          `${s.port}/${s.transport} ${[s.product || s.service, s.version].filter(Boolean).join(' ')}`,
                      )
                      .join('、'),
                },
                { key: 'org', header: t('asm.organization'), render: (r) => r.organizationName },
                {
                  key: 'open',
                  header: t('asm.assets.open'),
                  numeric: true,
                  sortValue: (r) => r.openFindings,
                  render: (r) => r.openFindings,
                },
                {
                  key: 'lastSeen',
                  header: t('asm.lastSeen'),
                  sortValue: (r) => r.lastSeen,
                  render: (r) => <span className="nowrap">{dateTime(r.lastSeen)}</span>,
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
