// Syslog senders of the security cloud: the registered sources (address/CIDR or TLS certificate name → format,
// organization, note) with the listeners' live counters for each, senders nobody registered yet, and — for the
// security cloud's operators (soc:sources) — the registration form. Entries of the configuration file are
// shown read-only. Municipal staff see their own organization's senders.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField, TextField, focusFirstInvalid } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { OrgPicker } from '../../components/OrgPicker.js';
import { useI18n } from '../../i18n/i18n.js';
import { canManageSyslogSources } from './adminRoutes.js';
import { formatNumber } from './common.js';
import {
  checkSource,
  countersOf,
  sourceBody,
  type LogFormat,
  type SendersView,
  type SourceErrors,
  type SourceValues,
  type SyslogSource,
} from './syslogSources.js';
import { useOrgNames } from './useOrgNames.js';
import './socAdmin.css';

const REFRESH_MS = 10_000;

export function SyslogSourcesScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const manager = canManageSyslogSources(me.role);
  const empty = (): SourceValues => ({
    kind: 'address',
    value: '',
    format: '',
    organizationId: me.organization.id,
    note: '',
  });
  const [sources, setSources] = useState<SyslogSource[] | null>(null);
  const [senders, setSenders] = useState<SendersView | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [editing, setEditing] = useState<SyslogSource | null>(null);
  const [values, setValues] = useState<SourceValues>(empty);
  const [errors, setErrors] = useState<SourceErrors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<SyslogSource | null>(null);
  // The parsers' catalogue, from the server (the ids the pipeline accepts).
  const [formats, setFormats] = useState<LogFormat[]>([]);
  const formRef = useRef<HTMLFormElement>(null);
  const names = useOrgNames((sources ?? []).map((s) => s.organizationId));

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const load = async () => {
    try {
      const [list, live] = await Promise.all([
        api.get<{ items: SyslogSource[] }>('/soc/syslog-sources'),
        api.get<SendersView>('/ingest/sources'),
      ]);
      setSources(list.items);
      setSenders(live);
    } catch (e) {
      setSources((s) => s ?? []);
      setNotice({ kind: 'error', text: msg(e) });
    }
  };
  useEffect(() => {
    void load();
    api
      .get<{ items: LogFormat[] }>('/ingest/formats')
      .then((r) => setFormats(r.items))
      .catch((e: unknown) => setNotice({ kind: 'error', text: msg(e) }));
    // The counters move while the page is open.
    const timer = setInterval(() => {
      api
        .get<SendersView>('/ingest/sources')
        .then(setSenders)
        .catch(() => undefined);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const set = <K extends keyof SourceValues>(k: K, v: SourceValues[K]) =>
    setValues((x) => ({ ...x, [k]: v }));
  const startAdd = (prefill?: Partial<SourceValues>) => {
    setEditing(null);
    setValues({ ...empty(), ...prefill });
    setErrors({});
    setServerError(null);
  };
  const focusForm = () =>
    requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('input[name="sourceValue"]')?.focus(),
    );
  const startEdit = (s: SyslogSource) => {
    setEditing(s);
    setValues({
      kind: s.kind,
      value: s.value,
      format: s.format ?? '',
      organizationId: s.organizationId ?? me.organization.id,
      note: s.note ?? '',
    });
    setErrors({});
    setServerError(null);
    setNotice(null);
    focusForm();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = checkSource(values);
    setErrors(found);
    setServerError(null);
    if (Object.keys(found).length) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setBusy(true);
    try {
      if (editing) {
        await api.patch<SyslogSource>(
          `/soc/syslog-sources/${encodeURIComponent(editing.id)}`,
          sourceBody(values),
        );
        setNotice({ kind: 'success', text: t('socSources.updated', { value: values.value.trim() }) });
      } else {
        await api.post<SyslogSource>('/soc/syslog-sources', { kind: values.kind, ...sourceBody(values) });
        setNotice({ kind: 'success', text: t('socSources.created', { value: values.value.trim() }) });
      }
      startAdd();
      await load();
    } catch (er) {
      // The server's reason (not an address, unknown format, already registered, out of reach) under the field.
      setServerError(msg(er));
      focusForm();
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    const s = removing;
    setRemoving(null);
    if (!s) return;
    try {
      await api.del(`/soc/syslog-sources/${encodeURIComponent(s.id)}`);
      setNotice({ kind: 'success', text: t('socSources.deleted', { value: s.value }) });
      if (editing?.id === s.id) startAdd();
      await load();
    } catch (er) {
      setNotice({ kind: 'error', text: msg(er) });
    }
  };

  const formatLabel = (f: string | null) =>
    f
      ? (formats.find((x) => x.id === f)?.description.replace(/\s*\(.*$/, '') ?? f)
      : t('socSources.formatAuto');
  const orgName = (id: string | null) => (id ? (names[id] ?? id) : t('socSources.perEvent'));
  const num = (n: number) => formatNumber(locale, n);
  const live = senders?.items ?? [];
  const unregistered = live.filter((s) => s.sourceId === null);
  const listening = senders?.listening ?? null;
  const port = (p: number | null) => (p === null ? t('socSources.off') : String(p));

  return (
    <>
      <PageHeader title={t('socSources.title')} lead={t('socSources.lead')} />
      {notice ? (
        <Banner
          kind={notice.kind}
          title={notice.text}
          onClose={() => setNotice(null)}
          focus={notice.kind === 'error'}
        />
      ) : null}

      <section className="card" aria-labelledby="soc-sources-listen-h">
        <h2 id="soc-sources-listen-h" className="card-title">
          {t('socSources.listening')}
        </h2>
        {senders === null ? (
          <p>{t('common.loading')}</p>
        ) : listening ? (
          <p data-testid="soc-sources-ports">
            {t('socSources.ports', {
              udp: port(listening.udp),
              tcp: port(listening.tcp),
              tls: port(listening.tls),
            })}
          </p>
        ) : (
          <p>{t('socSources.notListening')}</p>
        )}
      </section>

      <section className="card" aria-labelledby="soc-sources-list-h">
        <h2 id="soc-sources-list-h" className="card-title">
          {t('socSources.list')}
        </h2>
        {sources === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('socSources.list')}
            rows={sources}
            rowKey={(s) => s.id}
            empty={t('socSources.none')}
            initialSort={{ key: 'value', dir: 'asc' }}
            columns={[
              {
                key: 'value',
                header: t('socSources.sender'),
                sortValue: (s) => s.value,
                render: (s) => (
                  <>
                    <span className="mono">{s.value}</span>
                    <br />
                    <span className="muted">
                      {s.kind === 'cert' ? t('socSources.kindCert') : t('socSources.kindAddress')}
                    </span>
                    {s.note ? (
                      <>
                        <br />
                        <span className="soc-source-note">{s.note}</span>
                      </>
                    ) : null}
                  </>
                ),
              },
              {
                key: 'format',
                header: t('socSources.format'),
                className: 'nowrap',
                render: (s) => formatLabel(s.format),
              },
              {
                key: 'org',
                header: t('soc.organization'),
                sortValue: (s) => orgName(s.organizationId),
                render: (s) => orgName(s.organizationId),
              },
              {
                key: 'origin',
                header: t('socSources.origin'),
                render: (s) =>
                  s.origin === 'configuration' ? (
                    <span className="status-tag status-off">{t('socSources.fromConfig')}</span>
                  ) : (
                    <span className="status-tag status-ok">{t('socSources.registered')}</span>
                  ),
              },
              {
                key: 'received',
                header: t('socSources.received'),
                numeric: true,
                sortValue: (s) => countersOf(s.id, live).received,
                render: (s) => num(countersOf(s.id, live).received),
              },
              {
                key: 'refused',
                header: t('socSources.refused'),
                numeric: true,
                render: (s) => num(countersOf(s.id, live).refused),
              },
              {
                key: 'lastSeen',
                header: t('socSources.lastSeen'),
                className: 'nowrap',
                render: (s) => {
                  const at = countersOf(s.id, live).lastSeen;
                  return at ? dateTime(new Date(at).toISOString()) : '—';
                },
              },
              ...(manager
                ? [
                    {
                      key: 'actions',
                      header: t('socSources.actions'),
                      render: (s: SyslogSource) =>
                        s.origin === 'configuration' ? (
                          <span className="muted">{t('socSources.readOnly')}</span>
                        ) : (
                          <div className="soc-contact-actions">
                            <Button
                              size="xs"
                              variant="outline"
                              onClick={() => startEdit(s)}
                              aria-label={t('socSources.editOf', { value: s.value })}
                            >
                              {t('socSources.edit')}
                            </Button>
                            <Button
                              size="xs"
                              variant="text"
                              onClick={() => setRemoving(s)}
                              aria-label={t('socSources.deleteOf', { value: s.value })}
                            >
                              {t('socSources.delete')}
                            </Button>
                          </div>
                        ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </section>

      <section className="card" aria-labelledby="soc-sources-unreg-h">
        <h2 id="soc-sources-unreg-h" className="card-title">
          {t('socSources.unregistered')}
        </h2>
        <p className="muted">{t('socSources.unregisteredLead')}</p>
        <DataTable
          caption={t('socSources.unregistered')}
          rows={unregistered}
          rowKey={(s) => `${s.transport}|${s.source}`}
          empty={t('socSources.noneUnregistered')}
          initialSort={{ key: 'received', dir: 'desc' }}
          columns={[
            {
              key: 'source',
              header: t('socSources.sender'),
              render: (s) => <span className="mono">{s.source}</span>,
            },
            { key: 'transport', header: t('socSources.transport'), render: (s) => s.transport },
            {
              key: 'received',
              header: t('socSources.received'),
              numeric: true,
              sortValue: (s) => s.received,
              render: (s) => num(s.received),
            },
            {
              key: 'refused',
              header: t('socSources.refused'),
              numeric: true,
              render: (s) => num(s.tooLarge + s.droppedByRate + s.droppedByBackpressure),
            },
            ...(manager
              ? [
                  {
                    key: 'register',
                    header: t('socSources.actions'),
                    render: (s: { source: string }) => (
                      <Button
                        size="xs"
                        variant="outline"
                        onClick={() => {
                          startAdd({ kind: 'address', value: s.source });
                          focusForm();
                        }}
                        aria-label={t('socSources.registerOf', { value: s.source })}
                      >
                        {t('socSources.register')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </section>

      {manager ? (
        <section className="card" aria-labelledby="soc-source-form-h">
          <h2 id="soc-source-form-h" className="card-title">
            {editing ? t('socSources.editTitle', { value: editing.value }) : t('socSources.addTitle')}
          </h2>
          {serverError ? <Banner kind="error" title={serverError} /> : null}
          <form ref={formRef} onSubmit={submit} noValidate className="form-grid">
            <SelectField
              label={t('socSources.kind')}
              name="sourceKind"
              required
              disabled={editing !== null}
              value={values.kind}
              onChange={(e) => set('kind', e.target.value === 'cert' ? 'cert' : 'address')}
              options={[
                { value: 'address', label: t('socSources.kindAddress') },
                { value: 'cert', label: t('socSources.kindCert') },
              ]}
            />
            <TextField
              label={values.kind === 'cert' ? t('socSources.valueCert') : t('socSources.valueAddress')}
              name="sourceValue"
              required
              autoComplete="off"
              maxLength={255}
              support={
                values.kind === 'cert'
                  ? t('socSources.valueCertSupport')
                  : t('socSources.valueAddressSupport')
              }
              value={values.value}
              error={errors.value ? t(errors.value) : null}
              onChange={(e) => set('value', e.target.value)}
            />
            <SelectField
              label={t('socSources.format')}
              name="sourceFormat"
              support={t('socSources.formatSupport')}
              value={values.format}
              onChange={(e) => set('format', e.target.value)}
              options={[
                { value: '', label: t('socSources.formatAuto') },
                ...formats.map((f) => ({ value: f.id, label: `${f.description} — ${f.id}` })),
              ]}
            />
            <div className="soc-scope">
              <OrgPicker
                label={t('socSources.organization')}
                value={values.organizationId}
                onChange={(id) => set('organizationId', id)}
                base={
                  editing && editing.organizationId && editing.organizationId !== me.organization.id
                    ? { id: editing.organizationId, name: orgName(editing.organizationId), code: null }
                    : { id: me.organization.id, name: me.organization.name, code: me.organization.code }
                }
              />
            </div>
            <TextField
              label={t('socSources.note')}
              name="sourceNote"
              maxLength={500}
              support={t('socSources.noteSupport')}
              value={values.note}
              error={errors.note ? t(errors.note) : null}
              onChange={(e) => set('note', e.target.value)}
            />
            <div className="form-actions form-span button-row">
              <Button type="submit" busy={busy}>
                {editing ? t('socSources.save') : t('socSources.add')}
              </Button>
              {editing ? (
                <Button variant="outline" onClick={() => startAdd()}>
                  {t('common.cancel')}
                </Button>
              ) : null}
            </div>
          </form>
        </section>
      ) : null}

      <ConfirmDialog
        open={removing !== null}
        title={t('socSources.deleteTitle')}
        body={t('socSources.deleteBody', { value: removing?.value ?? '' })}
        confirmLabel={t('socSources.delete')}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      />
    </>
  );
}
