// Event search: a time range (Japan time) and field filters over the stored events, newest first, paged.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import {
  DateField,
  SelectField,
  TextField,
  focusFirstInvalid,
  isCompleteDate,
} from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { ScopePicker, SeverityTag, dayTimeToIso, isMunicipal, isTime, jstDay } from './common.js';
import { severities, type SocEvent } from './types.js';

const sourceKinds = ['firewall', 'ips', 'waf', 'proxy', 'mail', 'dns', 'sandbox', 'endpoint', 'web'];
const dispositions = ['allowed', 'blocked', 'detected', 'quarantined', 'deleted', 'unknown'];

const initial = () => ({
  from: jstDay(Date.now() - 7 * 86400_000),
  fromTime: '',
  to: '',
  toTime: '',
  sourceKind: '',
  severity: '',
  disposition: '',
  srcIp: '',
  dstIp: '',
  ruleId: '',
  q: '',
});

export function EventSearchScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [f, setF] = useState(initial);
  const [orgId, setOrgId] = useState(me.organization.id);
  const [rows, setRows] = useState<SocEvent[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<SocEvent | null>(null);
  /** Name of the opened event's organization (the event carries its id only). */
  const [orgName, setOrgName] = useState<string | null>(null);
  useEffect(() => {
    setOrgName(null);
    const id = open?.organizationId;
    if (!id) return;
    let live = true;
    api
      .get<{ name: string; code: string | null }>(`/organizations/${encodeURIComponent(id)}`)
      .then((o) => live && setOrgName(o.code ? `${o.name}（${o.code}）` : o.name))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [open]);

  const query = (cursor?: string) => ({
    from: dayTimeToIso(f.from, f.fromTime, false),
    to: dayTimeToIso(f.to, f.toTime, true),
    organizationId: isMunicipal(me) || orgId !== me.organization.id ? orgId : undefined,
    sourceKind: f.sourceKind || undefined,
    severity: f.severity || undefined,
    disposition: f.disposition || undefined,
    srcIp: f.srcIp.trim() || undefined,
    dstIp: f.dstIp.trim() || undefined,
    ruleId: f.ruleId.trim() || undefined,
    q: f.q.trim() || undefined,
    limit: 50,
    cursor,
  });
  const load = async (cursor?: string) => {
    setError(null);
    try {
      const r = await api.get<Page<SocEvent>>('/soc/events', query(cursor));
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
  const [checked, setChecked] = useState(false);
  const bad = {
    from: f.from !== '' && !isCompleteDate(f.from),
    fromTime: f.fromTime.trim() !== '' && !isTime(f.fromTime.trim()),
    to: f.to !== '' && !isCompleteDate(f.to),
    toTime: f.toTime.trim() !== '' && !isTime(f.toTime.trim()),
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOpen(null);
    setChecked(true);
    if (Object.values(bad).some(Boolean)) {
      focusFirstInvalid(e.currentTarget as HTMLFormElement);
      return;
    }
    void load();
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const any = { value: '', label: t('soc.any') };

  return (
    <>
      <PageHeader title={t('soc.events.title')} lead={t('soc.events.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      <section className="card" aria-labelledby="soc-ev-filter-h">
        <h2 id="soc-ev-filter-h" className="card-title">
          {t('soc.filters')}
        </h2>
        <form onSubmit={submit} className="filter-grid">
          <DateField
            label={t('soc.fromDay')}
            name="from"
            value={f.from}
            error={checked && bad.from ? t('date.invalid') : null}
            onChange={(v) => setF({ ...f, from: v })}
          />
          <TextField
            label={t('soc.fromTime')}
            name="fromTime"
            inputMode="numeric"
            support={t('soc.timeSupport')}
            error={checked && bad.fromTime ? t('soc.timeInvalid') : null}
            value={f.fromTime}
            onChange={set('fromTime')}
          />
          <DateField
            label={t('soc.toDay')}
            name="to"
            value={f.to}
            error={checked && bad.to ? t('date.invalid') : null}
            onChange={(v) => setF({ ...f, to: v })}
          />
          <TextField
            label={t('soc.toTime')}
            name="toTime"
            inputMode="numeric"
            support={t('soc.toTimeSupport')}
            error={checked && bad.toTime ? t('soc.timeInvalid') : null}
            value={f.toTime}
            onChange={set('toTime')}
          />
          <ScopePicker me={me} value={orgId} onChange={setOrgId} />
          <SelectField
            label={t('soc.sourceKind')}
            name="sourceKind"
            value={f.sourceKind}
            onChange={set('sourceKind')}
            options={[
              any,
              ...sourceKinds.map((k) => ({ value: k, label: t(`soc.kind.${k}` as MessageKey) })),
            ]}
          />
          <SelectField
            label={t('soc.severity')}
            name="severity"
            value={f.severity}
            onChange={set('severity')}
            options={[any, ...severities.map((s) => ({ value: s, label: t(`soc.sev.${s}` as MessageKey) }))]}
          />
          <SelectField
            label={t('soc.disposition')}
            name="disposition"
            value={f.disposition}
            onChange={set('disposition')}
            options={[
              any,
              ...dispositions.map((d) => ({ value: d, label: t(`soc.disp.${d}` as MessageKey) })),
            ]}
          />
          <TextField label={t('soc.srcIp')} name="srcIp" value={f.srcIp} onChange={set('srcIp')} />
          <TextField label={t('soc.dstIp')} name="dstIp" value={f.dstIp} onChange={set('dstIp')} />
          <TextField label={t('soc.ruleId')} name="ruleId" value={f.ruleId} onChange={set('ruleId')} />
          <TextField
            label={t('soc.events.q')}
            name="q"
            value={f.q}
            onChange={set('q')}
            support={t('soc.events.qSupport')}
            className="form-span"
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('common.search')}</Button>
            <Button variant="text" onClick={() => setF(initial())}>
              {t('common.clear')}
            </Button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="soc-ev-list-h">
        <h2 id="soc-ev-list-h" className="card-title">
          {t('soc.events.results')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <>
            <p className="result-count" role="status">
              {t('soc.shown', { n: rows.length })}
            </p>
            <DataTable
              caption={t('soc.events.results')}
              rows={rows}
              rowKey={(r) => r.id}
              empty={t('soc.events.none')}
              columns={[
                {
                  key: 'time',
                  header: t('soc.time'),
                  sortValue: (r) => r.time,
                  render: (r) => <span className="nowrap">{dateTime(r.time)}</span>,
                },
                {
                  key: 'severity',
                  header: t('soc.severity'),
                  render: (r) => <SeverityTag severity={r.severity} />,
                },
                {
                  key: 'kind',
                  header: t('soc.sourceKind'),
                  sortValue: (r) => r.sourceKind,
                  render: (r) => t(`soc.kind.${r.sourceKind}` as MessageKey),
                },
                {
                  key: 'disp',
                  header: t('soc.disposition'),
                  render: (r) => t(`soc.disp.${r.disposition}` as MessageKey),
                },
                {
                  key: 'src',
                  header: t('soc.srcIp'),
                  render: (r) => <span className="mono">{r.src?.ip ?? '—'}</span>,
                },
                {
                  key: 'rule',
                  header: t('soc.rule'),
                  render: (r) => r.rule?.name ?? r.activity,
                },
                {
                  key: 'open',
                  header: t('common.actions'),
                  render: (r) => (
                    <Button
                      size="xs"
                      variant="text"
                      onClick={() => setOpen(r)}
                      aria-label={t('soc.events.openNamed', { time: dateTime(r.time) })}
                    >
                      {t('soc.events.open')}
                    </Button>
                  ),
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
      {open ? (
        <section className="card" aria-labelledby="soc-ev-detail-h">
          <h2 id="soc-ev-detail-h" className="card-title">
            {t('soc.events.detail')}
          </h2>
          <dl className="soc-kv">
            <dt>{t('soc.time')}</dt>
            <dd>{dateTime(open.time)}</dd>
            <dt>{t('soc.format')}</dt>
            <dd className="mono">{open.format}</dd>
            <dt>{t('soc.rule')}</dt>
            <dd>
              {open.rule?.id ?? '—'} {open.rule?.name ?? ''}{' '}
              {open.rule?.category ? `(${open.rule.category})` : ''}
            </dd>
            <dt>{t('soc.attribution')}</dt>
            <dd>
              {open.organizationId
                ? (orgName ?? open.organizationId)
                : `${t('soc.unattributed')}: ${open.unattributedReason ?? ''}`}
            </dd>
          </dl>
          <pre className="soc-raw">{open.raw}</pre>
        </section>
      ) : null}
    </>
  );
}
