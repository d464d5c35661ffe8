// The notification log: every email and webhook attempt (alert, channel, target, level, status, error, time),
// filtered as the API allows (organization, status, alert) and paged by cursor.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import type { NotificationStatus, SocNotification } from '../../api/soc-admin-types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { CheckboxGroup, SelectField, TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { ScopePicker, isMunicipal } from './common.js';
import { useOrgNames } from './useOrgNames.js';

interface Filters {
  organizationId?: string;
  status?: NotificationStatus;
  alertId?: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function NotificationsScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [byOrg, setByOrg] = useState(false);
  const [orgId, setOrgId] = useState(me.organization.id);
  const [status, setStatus] = useState('');
  const [alertId, setAlertId] = useState('');
  const [alertError, setAlertError] = useState<string | null>(null);
  const [rows, setRows] = useState<SocNotification[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [applied, setApplied] = useState<Filters>({});
  const [error, setError] = useState<string | null>(null);
  const orgNames = useOrgNames((rows ?? []).map((r) => r.organizationId));

  const load = async (f: Filters, cursor?: string) => {
    try {
      const r = await api.get<Page<SocNotification>>('/soc/notifications', { ...f, limit: 50, cursor });
      setRows((x) => (cursor ? [...(x ?? []), ...r.items] : r.items));
      setNext(r.nextCursor ?? null);
      setError(null);
    } catch (e) {
      if (!cursor) setRows([]);
      setError(e instanceof ApiError ? e.localized(locale) : String(e));
    }
  };
  useEffect(() => {
    void load({});
  }, []);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const a = alertId.trim();
    if (a && !ID.test(a)) {
      setAlertError(t('socAdmin.notif.alertInvalid'));
      return;
    }
    setAlertError(null);
    const f: Filters = {
      organizationId: byOrg && !isMunicipal(me) ? orgId : undefined,
      status: status ? (status as NotificationStatus) : undefined,
      alertId: a || undefined,
    };
    setApplied(f);
    setRows(null);
    void load(f);
  };

  const statusTag = (s: string) => {
    const cls = s === 'sent' ? 'status-ok' : s === 'failed' ? 'status-bad' : 'status-warn';
    const known = s === 'sent' || s === 'failed' || s === 'retrying';
    return (
      <span className={`status-tag ${cls}`}>{known ? t(`socAdmin.notif.status.${s}` as MessageKey) : s}</span>
    );
  };
  const channel = (c: string) =>
    c === 'email' || c === 'webhook' ? t(`socAdmin.notif.channel.${c}` as MessageKey) : c;
  const level = (n: number) =>
    n >= 0 && n <= 2
      ? t(`socAdmin.notif.level.${n === 0 ? 'org' : n === 1 ? 'lead' : 'state'}` as MessageKey)
      : String(n);

  return (
    <>
      <PageHeader title={t('socAdmin.notif.title')} lead={t('socAdmin.notif.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} focus /> : null}
      <section className="card" aria-labelledby="soc-notif-filter-h">
        <h2 id="soc-notif-filter-h" className="card-title">
          {t('socAdmin.notif.filters')}
        </h2>
        <form onSubmit={search} noValidate className="form-grid">
          {isMunicipal(me) ? (
            <ScopePicker me={me} value={orgId} onChange={setOrgId} />
          ) : (
            <div className="form-span">
              <CheckboxGroup
                label={t('socAdmin.notif.orgFilter')}
                options={[{ value: 'on', label: t('socAdmin.notif.orgFilterLabel') }]}
                value={byOrg ? ['on'] : []}
                onChange={(v) => setByOrg(v.includes('on'))}
              />
              {byOrg ? <ScopePicker me={me} value={orgId} onChange={setOrgId} /> : null}
            </div>
          )}
          <SelectField
            label={t('socAdmin.notif.statusLabel')}
            name="notifStatus"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            options={[
              { value: '', label: t('socAdmin.notif.any') },
              { value: 'sent', label: t('socAdmin.notif.status.sent') },
              { value: 'retrying', label: t('socAdmin.notif.status.retrying') },
              { value: 'failed', label: t('socAdmin.notif.status.failed') },
            ]}
          />
          <TextField
            label={t('socAdmin.notif.alertId')}
            name="notifAlert"
            support={t('socAdmin.notif.alertSupport')}
            value={alertId}
            error={alertError}
            onChange={(e) => setAlertId(e.target.value)}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('common.search')}</Button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="soc-notif-list-h">
        <h2 id="soc-notif-list-h" className="card-title">
          {t('socAdmin.notif.list')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <p className="result-count" role="status">
              {t('socAdmin.notif.shown', { n: rows.length })}
            </p>
            <DataTable
              caption={t('socAdmin.notif.list')}
              rows={rows}
              rowKey={(r) => r.id}
              empty={t('socAdmin.notif.none')}
              initialSort={{ key: 'at', dir: 'desc' }}
              columns={[
                {
                  key: 'at',
                  header: t('socAdmin.notif.sentAt'),
                  sortValue: (r) => r.sentAt,
                  render: (r) => <span className="nowrap">{dateTime(r.sentAt)}</span>,
                },
                {
                  key: 'alert',
                  header: t('socAdmin.notif.alert'),
                  render: (r) => (
                    <Link href={`/soc/alerts/${encodeURIComponent(r.alertId)}`} className="mono">
                      {r.alertId}
                    </Link>
                  ),
                },
                {
                  key: 'org',
                  header: t('socAdmin.notif.organization'),
                  sortValue: (r) =>
                    r.organizationId ? (orgNames[r.organizationId] ?? r.organizationId) : null,
                  render: (r) =>
                    r.organizationId
                      ? (orgNames[r.organizationId] ?? r.organizationId)
                      : t('socAdmin.notif.unattributed'),
                },
                {
                  key: 'channel',
                  header: t('socAdmin.notif.channelLabel'),
                  sortValue: (r) => r.channel,
                  render: (r) => channel(r.channel),
                },
                {
                  key: 'target',
                  header: t('socAdmin.notif.target'),
                  render: (r) => <span className="mono wrap">{r.target}</span>,
                },
                {
                  key: 'level',
                  header: t('socAdmin.notif.levelLabel'),
                  sortValue: (r) => r.level,
                  render: (r) => level(r.level),
                },
                {
                  key: 'attempt',
                  header: t('socAdmin.notif.attempt'),
                  numeric: true,
                  render: (r) => r.attempt,
                },
                {
                  key: 'status',
                  header: t('socAdmin.notif.statusLabel'),
                  sortValue: (r) => r.status,
                  render: (r) => statusTag(r.status),
                },
                {
                  key: 'error',
                  header: t('socAdmin.notif.error'),
                  render: (r) => (r.error ? <span className="wrap">{r.error}</span> : '—'),
                },
              ]}
            />
            {next ? (
              <Button variant="outline" size="sm" onClick={() => void load(applied, next)}>
                {t('common.loadMore')}
              </Button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
