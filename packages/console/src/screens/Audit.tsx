// Audit trail viewer: filters (actor, action, organization, result, time range), paging, hash-chain check.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { AuditRecord, AuditVerify, Page } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { DataTable } from '../components/DataTable.js';
import { DateField, SelectField, TextField, isCompleteDate } from '../components/Field.js';
import { PageHeader } from '../components/Layout.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';

const emptyFilters = { actor: '', action: '', organizationId: '', result: '', from: '', to: '' };

/** Dates are days in Japan time: "from" is the start of its day, "to" the end of its day. */
const toIso = (day: string, end: boolean) =>
  isCompleteDate(day)
    ? new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}+09:00`).toISOString()
    : undefined;

/** Known actions get a name in the user's language; the code stays visible for searching and unknown ones. */
function ActionLabel({ action }: { action: string }) {
  const { t } = useI18n();
  const key = `action.${action}` as MessageKey;
  const label = t(key);
  return (
    <span className="action-label">
      {label !== key ? <span>{label}</span> : null}
      <span className="mono">{action}</span>
    </span>
  );
}

export function AuditScreen() {
  const { t, locale, dateTime } = useI18n();
  const [filters, setFilters] = useState(emptyFilters);
  const [rows, setRows] = useState<AuditRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<AuditVerify | null>(null);
  const [verifying, setVerifying] = useState(false);

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const query = (f: typeof filters, cursor?: string) => ({
    actor: f.actor.trim() || undefined,
    action: f.action.trim() || undefined,
    organizationId: f.organizationId.trim() || undefined,
    result: f.result || undefined,
    from: toIso(f.from, false),
    to: toIso(f.to, true),
    limit: 50,
    cursor,
  });

  const load = async (f = filters) => {
    setError(null);
    try {
      const r = await api.get<Page<AuditRecord>>('/audit', query(f));
      setRows(r.items);
      setNext(r.nextCursor ?? null);
    } catch (e) {
      setRows([]);
      setError(msg(e));
    }
  };
  useEffect(() => {
    void load(emptyFilters);
  }, []);

  const more = async () => {
    if (!next) return;
    try {
      const r = await api.get<Page<AuditRecord>>('/audit', query(filters, next));
      setRows((x) => [...(x ?? []), ...r.items]);
      setNext(r.nextCursor ?? null);
    } catch (e) {
      setError(msg(e));
    }
  };

  const runVerify = async () => {
    setVerifying(true);
    setVerify(null);
    try {
      setVerify(await api.get<AuditVerify>('/audit/verify'));
    } catch (e) {
      setError(msg(e));
    } finally {
      setVerifying(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };
  const set = (k: keyof typeof filters) => (e: { target: { value: string } }) =>
    setFilters({ ...filters, [k]: e.target.value });
  const resultLabel = (r: string) =>
    r === 'success' ? t('audit.success') : r === 'failure' ? t('audit.failure') : t('audit.denied');

  return (
    <>
      <PageHeader title={t('audit.title')} lead={t('audit.lead')}>
        <Button variant="outline" onClick={() => void runVerify()} busy={verifying}>
          {t('audit.verify')}
        </Button>
      </PageHeader>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {verify ? (
        verify.ok ? (
          <Banner
            kind="success"
            title={t('audit.verifyOk', { n: verify.checked })}
            onClose={() => setVerify(null)}
            focus
          >
            {verify.head ? (
              <p>
                {t('audit.head', { seq: verify.head.seq })} <code className="wrap">{verify.head.hash}</code>
              </p>
            ) : null}
          </Banner>
        ) : (
          <Banner
            kind="error"
            title={t('audit.verifyBad', { n: verify.problems.length, checked: verify.checked })}
            onClose={() => setVerify(null)}
            focus
          >
            <ul>
              {verify.problems.map((p) => (
                <li key={`${p.seq}-${p.kind}`}>
                  #{p.seq} {t(`audit.problem.${p.kind}`)}: {p.message}
                </li>
              ))}
            </ul>
          </Banner>
        )
      ) : null}

      <section className="card" aria-labelledby="audit-filter-h">
        <h2 id="audit-filter-h" className="card-title">
          {t('audit.filters')}
        </h2>
        <form onSubmit={submit} className="filter-grid" aria-labelledby="audit-filter-h">
          <TextField
            label={t('audit.actor')}
            name="actor"
            support={t('audit.actorSupport')}
            value={filters.actor}
            onChange={set('actor')}
          />
          <TextField
            label={t('audit.action')}
            name="action"
            support={t('audit.actionSupport')}
            value={filters.action}
            onChange={set('action')}
          />
          <TextField
            label={t('audit.organization')}
            name="organizationId"
            support={t('audit.organizationSupport')}
            value={filters.organizationId}
            onChange={set('organizationId')}
          />
          <SelectField
            label={t('audit.result')}
            name="result"
            value={filters.result}
            onChange={set('result')}
            options={[
              { value: '', label: t('audit.any') },
              { value: 'success', label: t('audit.success') },
              { value: 'failure', label: t('audit.failure') },
              { value: 'denied', label: t('audit.denied') },
            ]}
          />
          <DateField
            label={t('audit.from')}
            name="from"
            value={filters.from}
            onChange={(v) => setFilters({ ...filters, from: v })}
          />
          <DateField
            label={t('audit.to')}
            name="to"
            value={filters.to}
            onChange={(v) => setFilters({ ...filters, to: v })}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('audit.apply')}</Button>
            <Button
              variant="text"
              onClick={() => {
                setFilters(emptyFilters);
                void load(emptyFilters);
              }}
            >
              {t('common.clear')}
            </Button>
          </div>
        </form>
      </section>

      <section className="card" aria-labelledby="audit-list-h">
        <h2 id="audit-list-h" className="card-title">
          {t('audit.records')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <p className="result-count" role="status">
              {t('audit.shown', { n: rows.length })}
            </p>
            <DataTable
              caption={t('audit.records')}
              rows={rows}
              rowKey={(r) => String(r.seq)}
              empty={t('audit.none')}
              initialSort={{ key: 'seq', dir: 'desc' }}
              columns={[
                {
                  key: 'seq',
                  className: 'nowrap',
                  header: t('audit.seq'),
                  numeric: true,
                  sortValue: (r) => r.seq,
                  render: (r) => r.seq,
                },
                {
                  key: 'at',
                  header: t('audit.at'),
                  sortValue: (r) => r.at,
                  render: (r) => <span className="nowrap">{dateTime(r.at)}</span>,
                },
                {
                  key: 'actor',
                  header: t('audit.actor'),
                  sortValue: (r) => r.actorName,
                  render: (r) => r.actorName ?? '—',
                },
                {
                  key: 'action',
                  header: t('audit.action'),
                  sortValue: (r) => r.action,
                  render: (r) => <ActionLabel action={r.action} />,
                },
                {
                  key: 'target',
                  header: t('audit.target'),
                  render: (r) => <span className="mono wrap">{r.target ?? '—'}</span>,
                },
                {
                  key: 'result',
                  header: t('audit.result'),
                  sortValue: (r) => r.result,
                  render: (r) => (
                    <span
                      className={`status-tag ${r.result === 'success' ? 'status-ok' : r.result === 'denied' ? 'status-warn' : 'status-bad'}`}
                    >
                      {resultLabel(r.result)}
                    </span>
                  ),
                },
                {
                  key: 'ip',
                  header: t('audit.sourceIp'),
                  render: (r) => <span className="mono">{r.sourceIp ?? '—'}</span>,
                },
              ]}
            />
            {next ? (
              <Button variant="outline" size="sm" onClick={() => void more()}>
                {t('common.loadMore')}
              </Button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
