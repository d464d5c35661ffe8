// An organization's ASM scope and scans: roots with DNS TXT verification instructions, "scan now", the scan
// runs, and the per-organization report (PDF, Excel) to download.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { OrgPicker } from '../../components/OrgPicker.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { ExclusionsCard, RefusalsCard, SettingsCard } from './ScopeControls.js';
import { SchedulesCard } from './Schedules.js';
import type { AsmExclusion, AsmOrgSettings, AsmScanRun, AsmScopeRoot } from './types.js';

const manages = (role: string) => ['municipality_admin', 'prefecture_admin', 'state_admin'].includes(role);

export function ScopeScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  // Prefecture and state staff choose the municipality; municipal staff see their own.
  const municipal = me.role.startsWith('municipality_');
  const [org, setOrg] = useState(me.organization.id);
  const [roots, setRoots] = useState<AsmScopeRoot[] | null>(null);
  const [scans, setScans] = useState<AsmScanRun[] | null>(null);
  const [exclusions, setExclusions] = useState<AsmExclusion[] | null>(null);
  const [settings, setSettings] = useState<AsmOrgSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [kind, setKind] = useState('domain');
  const [value, setValue] = useState('');
  const [valueError, setValueError] = useState<string | null>(null);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const load = async () => {
    try {
      const scope = await api.get<{
        roots: AsmScopeRoot[];
        exclusions: AsmExclusion[];
        settings: AsmOrgSettings;
      }>('/asm/scope', { organizationId: org });
      setRoots(scope.roots);
      setExclusions(scope.exclusions);
      setSettings(scope.settings);
      setScans((await api.get<Page<AsmScanRun>>('/asm/scans', { organizationId: org, limit: 20 })).items);
    } catch (e) {
      setRoots((x) => x ?? []);
      setExclusions((x) => x ?? []);
      setScans((x) => x ?? []);
      setError(msg(e));
    }
  };
  useEffect(() => {
    setRoots(null);
    setScans(null);
    setExclusions(null);
    setSettings(null);
    void load();
  }, [org]);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setValueError(null);
    if (!value.trim()) return setValueError(t('asm.scope.valueMissing'));
    try {
      await api.post('/asm/scope/roots', { organizationId: org, kind, value: value.trim() });
      setValue('');
      setDone(t('asm.scope.added'));
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  const verify = async (r: AsmScopeRoot) => {
    try {
      const v = await api.post<AsmScopeRoot>(`/asm/scope/roots/${encodeURIComponent(r.id)}/verify`);
      setDone(
        v.verificationState === 'verified'
          ? t('asm.scope.verified')
          : t('asm.scope.notVerified', { reason: v.lastError ?? '' }),
      );
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  const scanNow = async () => {
    try {
      await api.post('/asm/scans', { organizationId: org });
      setDone(t('asm.scans.queued'));
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  const report = (ext: string) =>
    `/api/v1/asm/reports/organization.${ext}?organizationId=${encodeURIComponent(org)}&lang=${locale}`;

  return (
    <>
      <PageHeader title={t('asm.scope.title')} lead={t('asm.scope.lead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      {municipal ? null : (
        <section className="card" aria-labelledby="asm-org-h">
          <h2 id="asm-org-h" className="card-title">
            {t('asm.scope.organization')}
          </h2>
          <OrgPicker
            label={t('asm.organization')}
            value={org}
            onChange={setOrg}
            base={{ id: me.organization.id, name: me.organization.name, code: me.organization.code }}
          />
        </section>
      )}
      <section className="card" aria-labelledby="asm-r-h">
        <h2 id="asm-r-h" className="card-title">
          {t('asm.report.title')}
        </h2>
        <p>{t('asm.report.lead')}</p>
        <div className="button-row">
          <a className="btn btn-solid btn-md" href={report('pdf')} download>
            {t('asm.report.pdf')}
          </a>
          <a className="btn btn-outline btn-md" href={report('xlsx')} download>
            {t('asm.report.xlsx')}
          </a>
        </div>
      </section>
      <section className="card" aria-labelledby="asm-s-h">
        <h2 id="asm-s-h" className="card-title">
          {t('asm.scope.roots')}
        </h2>
        {roots === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('asm.scope.roots')}
            rows={roots}
            rowKey={(r) => r.id}
            empty={t('asm.scope.none')}
            columns={[
              {
                key: 'kind',
                header: t('asm.scope.kind'),
                render: (r) => t(`asm.scope.kind.${r.kind}` as MessageKey),
              },
              {
                key: 'value',
                header: t('asm.scope.value'),
                render: (r) => <span className="mono">{r.value}</span>,
              },
              {
                key: 'state',
                header: t('asm.scope.state'),
                render: (r) => t(`asm.scope.state.${r.verificationState}` as MessageKey),
              },
              {
                key: 'how',
                header: t('asm.scope.how'),
                render: (r) =>
                  r.verificationState === 'verified' ? (
                    '—'
                  ) : r.verificationMethod === 'dns-txt' && r.challengeName ? (
                    <>
                      <p>{t('asm.scope.txtHelp')}</p>
                      <code className="mono wrap">{`${r.challengeName}. IN TXT "mamori-verification=${r.verificationToken ?? ''}"`}</code>
                      {r.lastError ? <p>{r.lastError}</p> : null}
                      {manages(me.role) ? (
                        <Button size="sm" variant="outline" onClick={() => void verify(r)}>
                          {t('asm.scope.verify')}
                        </Button>
                      ) : null}
                    </>
                  ) : (
                    t('asm.scope.attestHelp')
                  ),
              },
            ]}
          />
        )}
        {manages(me.role) ? (
          <form onSubmit={(e) => void add(e)} className="filter-grid" noValidate>
            <SelectField
              label={t('asm.scope.kind')}
              value={kind}
              onChange={(e) => setKind(e.target.value)}
              options={(['domain', 'host', 'cidr'] as const).map((k) => ({
                value: k,
                label: t(`asm.scope.kind.${k}` as MessageKey),
              }))}
            />
            <TextField
              label={t('asm.scope.value')}
              required
              support={t('asm.scope.valueSupport')}
              error={valueError}
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
            <div className="form-actions form-span">
              <Button type="submit">{t('asm.scope.add')}</Button>
            </div>
          </form>
        ) : null}
      </section>
      <ExclusionsCard
        organizationId={org}
        canManage={manages(me.role)}
        exclusions={exclusions}
        reload={load}
      />
      <SettingsCard organizationId={org} canManage={manages(me.role)} settings={settings} reload={load} />
      <SchedulesCard organizationId={org} canManage={manages(me.role)} />
      <section className="card" aria-labelledby="asm-sc-h">
        <h2 id="asm-sc-h" className="card-title">
          {t('asm.scans.title')}
        </h2>
        {manages(me.role) ? (
          <div className="button-row">
            <Button onClick={() => void scanNow()}>{t('asm.scans.now')}</Button>
          </div>
        ) : null}
        {scans === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('asm.scans.title')}
            rows={scans}
            rowKey={(r) => r.id}
            empty={t('asm.scans.none')}
            columns={[
              {
                key: 'queued',
                header: t('asm.scans.queuedAt'),
                render: (r) => (
                  <Link
                    href={`/asm/scans/${encodeURIComponent(r.id)}`}
                    className="nowrap"
                    aria-label={t('asm.run.open', { at: dateTime(r.queuedAt) })}
                  >
                    {dateTime(r.queuedAt)}
                  </Link>
                ),
              },
              {
                key: 'status',
                header: t('asm.status'),
                render: (r) =>
                  t(`asm.scans.status.${r.status}` as MessageKey) + (r.error ? `（${r.error}）` : ''),
              },
              {
                key: 'ports',
                header: t('asm.scans.ports'),
                render: (r) => <span className="mono">{r.ports}</span>,
              },
              { key: 'hosts', header: t('asm.scans.hosts'), numeric: true, render: (r) => r.counts.hosts },
              {
                key: 'findings',
                header: t('asm.scans.findings'),
                numeric: true,
                render: (r) => r.counts.findings,
              },
              { key: 'new', header: t('asm.scans.new'), numeric: true, render: (r) => r.counts.new },
              {
                key: 'resolved',
                header: t('asm.scans.resolved'),
                numeric: true,
                render: (r) => r.counts.resolved,
              },
            ]}
          />
        )}
      </section>
      <RefusalsCard organizationId={org} />
    </>
  );
}
