// ASM findings: filters (severity, status, KEV, text), the list worst first, and acknowledging one or many.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { findingStatuses, severities, type AsmFinding } from './types.js';

export function FindingsScreen(_: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [f, setF] = useState({ severity: '', status: 'open', kev: '', q: '' });
  const [rows, setRows] = useState<AsmFinding[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  const load = async (cursor?: string) => {
    try {
      const r = await api.get<Page<AsmFinding>>('/asm/findings', { ...f, limit: 100, cursor });
      setRows((x) => (cursor ? [...(x ?? []), ...r.items] : r.items));
      setNext(r.nextCursor ?? null);
      if (!cursor) setSelected(new Set());
    } catch (e) {
      if (!cursor) setRows([]);
      setError(msg(e));
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const toggle = (id: string, on: boolean) => {
    const s = new Set(selected);
    if (on) s.add(id);
    else s.delete(id);
    setSelected(s);
  };
  const acknowledge = async (ids: string[]) => {
    setBusy(true);
    setDone(null);
    let n = 0;
    try {
      for (const id of ids) {
        await api.post(`/asm/findings/${encodeURIComponent(id)}/status`, { status: 'acknowledged' });
        n++;
      }
      setDone(t('asm.findings.ackDone', { n }));
      await load();
    } catch (e) {
      setError(msg(e));
    } finally {
      setBusy(false);
    }
  };
  const all = rows ?? [];
  const openIds = all.filter((r) => r.status === 'open').map((r) => r.id);

  return (
    <>
      <PageHeader title={t('asm.findings.title')} lead={t('asm.findings.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      <section className="card" aria-labelledby="asm-f-filter-h">
        <h2 id="asm-f-filter-h" className="card-title">
          {t('asm.filters')}
        </h2>
        <form onSubmit={submit} className="filter-grid">
          <SelectField
            label={t('asm.severity')}
            name="severity"
            value={f.severity}
            onChange={set('severity')}
            options={[
              { value: '', label: t('asm.any') },
              ...severities.map((s) => ({ value: s, label: t(`asm.sev.${s}` as MessageKey) })),
            ]}
          />
          <SelectField
            label={t('asm.status')}
            name="status"
            value={f.status}
            onChange={set('status')}
            options={[
              { value: '', label: t('asm.any') },
              ...findingStatuses.map((s) => ({ value: s, label: t(`asm.status.${s}` as MessageKey) })),
            ]}
          />
          <SelectField
            label={t('asm.kev')}
            name="kev"
            value={f.kev}
            onChange={set('kev')}
            options={[
              { value: '', label: t('asm.any') },
              { value: 'true', label: t('asm.kevOnly') },
            ]}
          />
          <TextField label={t('asm.findings.q')} name="q" value={f.q} onChange={set('q')} />
          <div className="form-actions form-span">
            <Button type="submit">{t('common.search')}</Button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="asm-f-list-h">
        <h2 id="asm-f-list-h" className="card-title">
          {t('asm.findings.list')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <div className="button-row" role="group" aria-label={t('asm.findings.bulk')}>
              <span className="result-count" role="status">
                {t('asm.findings.selected', { n: selected.size, total: all.length })}
              </span>
              <Button
                variant="outline"
                size="sm"
                disabled={openIds.length === 0}
                onClick={() => setSelected(new Set(openIds))}
              >
                {t('asm.findings.selectOpen')}
              </Button>
              <Button
                size="sm"
                busy={busy}
                disabled={selected.size === 0}
                onClick={() => void acknowledge([...selected])}
              >
                {t('asm.findings.ackSelected')}
              </Button>
            </div>
            <DataTable
              caption={t('asm.findings.list')}
              rows={all}
              rowKey={(r) => r.id}
              empty={t('asm.findings.none')}
              columns={[
                {
                  key: 'select',
                  header: t('asm.findings.select'),
                  render: (r) => (
                    <input
                      type="checkbox"
                      className="checkbox"
                      aria-label={t('asm.findings.selectNamed', { title: r.title, host: r.host })}
                      checked={selected.has(r.id)}
                      onChange={(e) => toggle(r.id, e.target.checked)}
                    />
                  ),
                },
                {
                  key: 'severity',
                  header: t('asm.severity'),
                  sortValue: (r) => severities.length - severities.indexOf(r.severity),
                  render: (r) => (
                    <span className={`asm-sev asm-sev-${r.severity}`}>
                      {t(`asm.sev.${r.severity}` as MessageKey)}
                      {r.kev ? ` ・ ${t('asm.kev')}` : ''}
                    </span>
                  ),
                },
                {
                  key: 'title',
                  header: t('asm.title'),
                  sortValue: (r) => r.title,
                  render: (r) => <Link href={`/asm/findings/${encodeURIComponent(r.id)}`}>{r.title}</Link>,
                },
                {
                  key: 'target',
                  header: t('asm.target'),
                  sortValue: (r) => r.host,
                  render: (r) => (
                    <span className="mono">{r.port === null ? r.host : `${r.host}:${r.port}`}</span>
                  ),
                },
                { key: 'org', header: t('asm.organization'), render: (r) => r.organizationName },
                {
                  key: 'status',
                  header: t('asm.status'),
                  sortValue: (r) => r.status,
                  render: (r) => t(`asm.status.${r.status}` as MessageKey),
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
