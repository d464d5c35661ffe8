// Alert queue: filters (status, severity, organization), sortable columns, row selection and bulk actions.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { alertsApi, type BulkAction } from './alertsApi.js';
import { ScopePicker, SeverityTag, StatusTag, isMunicipal } from './common.js';
import { alertStatuses, severities, type SocAlert } from './types.js';

const rank: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, informational: 1 };
const initial = { status: 'open', severity: '', q: '' };

export function AlertQueueScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [f, setF] = useState(initial);
  const [orgId, setOrgId] = useState(me.organization.id);
  const [rows, setRows] = useState<SocAlert[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  const query = (cursor?: string) => ({
    status: f.status === 'open' ? ['new', 'acknowledged', 'in_progress'] : f.status ? [f.status] : undefined,
    severity: f.severity ? [f.severity] : undefined,
    organizationId: isMunicipal(me) || orgId !== me.organization.id ? orgId : undefined,
    q: f.q.trim() || undefined,
    limit: 100,
    cursor,
  });
  const load = async (cursor?: string) => {
    setError(null);
    try {
      const r = await alertsApi.list(query(cursor));
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
  const toggle = (id: string, on: boolean) => {
    const s = new Set(selected);
    if (on) s.add(id);
    else s.delete(id);
    setSelected(s);
  };
  const bulk = async (action: BulkAction) => {
    if (selected.size === 0) return;
    setBusy(true);
    setDone(null);
    try {
      const r = await alertsApi.bulk([...selected], action);
      setDone(t('soc.alerts.bulkDone', { n: r.updated }));
      await load();
    } catch (e) {
      setError(msg(e));
    } finally {
      setBusy(false);
    }
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const all = rows ?? [];
  const allOn = all.length > 0 && all.every((r) => selected.has(r.id));

  return (
    <>
      <PageHeader title={t('soc.alerts.title')} lead={t('soc.alerts.lead')}>
        <Link href="/soc/live" className="btn btn-outline btn-md">
          {t('soc.nav.live')}
        </Link>
      </PageHeader>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      <section className="card" aria-labelledby="soc-al-filter-h">
        <h2 id="soc-al-filter-h" className="card-title">
          {t('soc.filters')}
        </h2>
        <form onSubmit={submit} className="filter-grid">
          <SelectField
            label={t('soc.status')}
            name="status"
            value={f.status}
            onChange={set('status')}
            options={[
              { value: 'open', label: t('soc.alerts.open') },
              { value: '', label: t('soc.any') },
              ...alertStatuses.map((s) => ({ value: s, label: t(`soc.status.${s}` as MessageKey) })),
            ]}
          />
          <SelectField
            label={t('soc.severity')}
            name="severity"
            value={f.severity}
            onChange={set('severity')}
            options={[
              { value: '', label: t('soc.any') },
              ...severities.map((s) => ({ value: s, label: t(`soc.sev.${s}` as MessageKey) })),
            ]}
          />
          <ScopePicker me={me} value={orgId} onChange={setOrgId} />
          <TextField label={t('soc.alerts.q')} name="q" value={f.q} onChange={set('q')} />
          <div className="form-actions form-span">
            <Button type="submit">{t('common.search')}</Button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="soc-al-list-h">
        <h2 id="soc-al-list-h" className="card-title">
          {t('soc.alerts.list')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <div className="soc-bulk" role="group" aria-label={t('soc.alerts.bulk')}>
              <span className="result-count" role="status">
                {t('soc.alerts.selected', { n: selected.size, total: rows.length })}
              </span>
              <Button
                size="sm"
                variant="outline"
                busy={busy}
                disabled={selected.size === 0}
                onClick={() => void bulk('acknowledge')}
              >
                {t('soc.alerts.acknowledge')}
              </Button>
              <Button
                size="sm"
                variant="outline"
                busy={busy}
                disabled={selected.size === 0}
                onClick={() => void bulk('assign_me')}
              >
                {t('soc.alerts.assignMe')}
              </Button>
              <Button
                size="sm"
                variant="outline"
                busy={busy}
                disabled={selected.size === 0}
                onClick={() => void bulk('resolve')}
              >
                {t('soc.alerts.resolve')}
              </Button>
            </div>
            <DataTable
              caption={t('soc.alerts.list')}
              rows={rows}
              rowKey={(r) => r.id}
              empty={t('soc.alerts.none')}
              initialSort={{ key: 'severity', dir: 'desc' }}
              columns={[
                {
                  key: 'sel',
                  header: t('soc.alerts.select'),
                  render: (r) => (
                    <input
                      type="checkbox"
                      checked={selected.has(r.id)}
                      aria-label={t('soc.alerts.selectNamed', { title: r.ruleTitle, entity: r.entity })}
                      onChange={(e) => toggle(r.id, e.target.checked)}
                    />
                  ),
                },
                {
                  key: 'severity',
                  header: t('soc.severity'),
                  sortValue: (r) => rank[r.severity] ?? 0,
                  render: (r) => <SeverityTag severity={r.severity} />,
                },
                {
                  key: 'title',
                  header: t('soc.alerts.rule'),
                  sortValue: (r) => r.ruleTitle,
                  render: (r) => <Link href={`/soc/alerts/${encodeURIComponent(r.id)}`}>{r.ruleTitle}</Link>,
                },
                {
                  key: 'org',
                  className: 'nowrap',
                  header: t('soc.organization'),
                  sortValue: (r) => r.organizationName ?? r.organizationId,
                  render: (r) => r.organizationName ?? r.organizationId ?? t('soc.unattributed'),
                },
                {
                  key: 'entity',
                  header: t('soc.alerts.entity'),
                  render: (r) => <span className="mono">{r.entity}</span>,
                },
                {
                  key: 'count',
                  header: t('soc.alerts.events'),
                  numeric: true,
                  sortValue: (r) => r.eventCount,
                  render: (r) => r.eventCount,
                },
                {
                  key: 'last',
                  header: t('soc.alerts.lastSeen'),
                  sortValue: (r) => r.lastSeen,
                  render: (r) => <span className="nowrap">{dateTime(r.lastSeen)}</span>,
                },
                {
                  key: 'status',
                  header: t('soc.status'),
                  sortValue: (r) => r.status,
                  render: (r) => <StatusTag status={r.status} />,
                },
              ]}
            />
            <div className="form-actions">
              <Button
                size="sm"
                variant="text"
                onClick={() => setSelected(allOn ? new Set() : new Set(all.map((r) => r.id)))}
              >
                {allOn ? t('soc.alerts.selectNone') : t('soc.alerts.selectAll')}
              </Button>
              {next ? (
                <Button variant="outline" size="sm" onClick={() => void load(next)}>
                  {t('common.loadMore')}
                </Button>
              ) : null}
            </div>
          </>
        )}
      </section>
    </>
  );
}
