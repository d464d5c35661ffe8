// Scope controls of one organization: exclusions (never scanned), scan settings (ports, rate, concurrency,
// windows in Japan time) and what the scope guard refused, and why.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Page } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { DataTable } from '../../components/DataTable.js';
import { CheckboxGroup, TextField } from '../../components/Field.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import type { AsmExclusion, AsmOrgSettings, AsmRefusal } from './types.js';

const JST = 540;
const DAYS = [1, 2, 3, 4, 5, 6, 0];
const PORTS = /^(top100|top1000|all|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$/;
const hour = (s: string) => (/^\d{1,2}$/.test(s.trim()) && Number(s) <= 24 ? Number(s) : null);

interface Props {
  organizationId: string;
  canManage: boolean;
  exclusions: AsmExclusion[] | null;
  settings: AsmOrgSettings | null;
  reload: () => Promise<void>;
}

export function ExclusionsCard({ organizationId, canManage, exclusions, reload }: Omit<Props, 'settings'>) {
  const { t, locale, dateTime } = useI18n();
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [valueError, setValueError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [removing, setRemoving] = useState<AsmExclusion | null>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setValueError(null);
    if (!value.trim()) return setValueError(t('asm.excl.valueMissing'));
    try {
      await api.post('/asm/scope/exclusions', {
        organizationId,
        value: value.trim(),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setValue('');
      setReason('');
      setDone(t('asm.excl.added'));
      await reload();
    } catch (err) {
      // The server's reason for a malformed value belongs under the field.
      if (err instanceof ApiError && err.status === 400) setValueError(err.localized(locale));
      else setError(err instanceof ApiError ? err.localized(locale) : String(err));
    }
  };
  const remove = async () => {
    const x = removing;
    setRemoving(null);
    if (!x) return;
    try {
      await api.del(`/asm/scope/exclusions/${encodeURIComponent(x.id)}`);
      setDone(t('asm.excl.removed'));
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.localized(locale) : String(err));
    }
  };
  return (
    <section className="card" aria-labelledby="asm-ex-h">
      <h2 id="asm-ex-h" className="card-title">
        {t('asm.excl.title')}
      </h2>
      <p>{t('asm.excl.lead')}</p>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      {exclusions === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <DataTable
          caption={t('asm.excl.title')}
          rows={exclusions}
          rowKey={(r) => r.id}
          empty={t('asm.excl.none')}
          columns={[
            {
              key: 'value',
              header: t('asm.excl.value'),
              render: (r) => <span className="mono">{r.value}</span>,
            },
            { key: 'reason', header: t('asm.excl.reason'), render: (r) => r.reason ?? '—' },
            {
              key: 'at',
              header: t('asm.excl.createdAt'),
              render: (r) => <span className="nowrap">{dateTime(r.createdAt)}</span>,
            },
            ...(canManage
              ? [
                  {
                    key: 'actions',
                    header: t('common.actions'),
                    render: (r: AsmExclusion) => (
                      <Button
                        size="sm"
                        variant="text"
                        aria-label={t('asm.excl.removeOne', { value: r.value })}
                        onClick={() => setRemoving(r)}
                      >
                        {t('asm.excl.remove')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {canManage ? (
        <form onSubmit={(e) => void add(e)} className="filter-grid" noValidate>
          <TextField
            label={t('asm.excl.value')}
            required
            support={t('asm.excl.valueSupport')}
            error={valueError}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <TextField
            label={t('asm.excl.reason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('asm.excl.add')}</Button>
          </div>
        </form>
      ) : null}
      {removing ? (
        <ConfirmDialog
          open={removing !== null}
          title={t('asm.excl.removeTitle')}
          body={t('asm.excl.removeBody', { value: removing?.value ?? '' })}
          confirmLabel={t('asm.excl.remove')}
          onConfirm={() => void remove()}
          onCancel={() => setRemoving(null)}
        />
      ) : null}
    </section>
  );
}

/** The first scan window in Japan time (the console edits one window; the API keeps a list). */
function windowOf(s: AsmOrgSettings) {
  const w = s.windows[0];
  if (!w) return { days: [] as string[], start: '', end: '' };
  // Shown in JST whatever offset it was stored with (whole hours only; days shift when hours wrap).
  const shift = Math.round(((w.utcOffsetMinutes ?? JST) - JST) / -60);
  const wrap = (h: number) => ((h % 24) + 24) % 24;
  return {
    days: w.days.map(String),
    start: String(wrap(w.startHour + shift)),
    end: String(wrap(w.endHour + shift)),
  };
}

export function SettingsCard({ organizationId, canManage, settings, reload }: Omit<Props, 'exclusions'>) {
  const { t, locale } = useI18n();
  const [ports, setPorts] = useState('');
  const [rate, setRate] = useState('');
  const [conc, setConc] = useState('');
  const [days, setDays] = useState<string[]>([]);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (!settings) return;
    setPorts(settings.ports);
    setRate(String(settings.ratePerSecond));
    setConc(String(settings.concurrency));
    const w = windowOf(settings);
    setDays(w.days);
    setStart(w.start);
    setEnd(w.end);
  }, [settings]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const bad: Record<string, string> = {};
    if (!PORTS.test(ports.trim())) bad.ports = t('asm.set.portsInvalid');
    if (!/^\d+$/.test(rate.trim()) || Number(rate) < 1) bad.rate = t('asm.set.numberInvalid');
    if (!/^\d+$/.test(conc.trim()) || Number(conc) < 1) bad.conc = t('asm.set.numberInvalid');
    const s = hour(start);
    const en = hour(end);
    if (days.length > 0 && (s === null || s > 23)) bad.start = t('asm.set.hourInvalid');
    if (days.length > 0 && (en === null || en === s)) bad.end = t('asm.set.hourInvalid');
    setErrors(bad);
    if (Object.keys(bad).length) return;
    try {
      await api.patch(`/asm/scope/settings/${encodeURIComponent(organizationId)}`, {
        ports: ports.trim(),
        ratePerSecond: Number(rate),
        concurrency: Number(conc),
        windows:
          days.length > 0
            ? [{ days: days.map(Number).sort(), startHour: s, endHour: en, utcOffsetMinutes: JST }]
            : [],
      });
      setDone(t('asm.set.saved'));
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.localized(locale) : String(err));
    }
  };
  const w = settings ? windowOf(settings) : null;
  const dayName = (d: string) => t(`asm.set.day.${d}` as MessageKey);
  return (
    <section className="card" aria-labelledby="asm-set-h">
      <h2 id="asm-set-h" className="card-title">
        {t('asm.set.title')}
      </h2>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      {settings === null || w === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <dl className="asm-settings" data-testid="asm-settings">
          <dt>{t('asm.set.ports')}</dt>
          <dd className="mono">{settings.ports}</dd>
          <dt>{t('asm.set.rate')}</dt>
          <dd>{settings.ratePerSecond}</dd>
          <dt>{t('asm.set.concurrency')}</dt>
          <dd>{settings.concurrency}</dd>
          <dt>{t('asm.set.window')}</dt>
          <dd>
            {w.days.length === 0
              ? t('asm.set.anyTime')
              : t('asm.set.windowText', { days: w.days.map(dayName).join('・'), start: w.start, end: w.end })}
          </dd>
        </dl>
      )}
      {canManage && settings ? (
        <form onSubmit={(e) => void save(e)} className="filter-grid" noValidate>
          <TextField
            label={t('asm.set.ports')}
            required
            support={t('asm.set.portsSupport')}
            error={errors.ports}
            value={ports}
            onChange={(e) => setPorts(e.target.value)}
          />
          <TextField
            label={t('asm.set.rate')}
            required
            inputMode="numeric"
            error={errors.rate}
            value={rate}
            onChange={(e) => setRate(e.target.value)}
          />
          <TextField
            label={t('asm.set.concurrency')}
            required
            inputMode="numeric"
            error={errors.conc}
            value={conc}
            onChange={(e) => setConc(e.target.value)}
          />
          <div className="form-span">
            <CheckboxGroup
              label={t('asm.set.days')}
              support={t('asm.set.daysSupport')}
              options={DAYS.map((d) => ({ value: String(d), label: dayName(String(d)) }))}
              value={days}
              onChange={setDays}
            />
          </div>
          <TextField
            label={t('asm.set.startHour')}
            inputMode="numeric"
            error={errors.start}
            value={start}
            onChange={(e) => setStart(e.target.value)}
          />
          <TextField
            label={t('asm.set.endHour')}
            inputMode="numeric"
            error={errors.end}
            value={end}
            onChange={(e) => setEnd(e.target.value)}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('asm.set.save')}</Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

export function RefusalsCard({ organizationId }: { organizationId: string }) {
  const { t, locale, dateTime } = useI18n();
  const [rows, setRows] = useState<AsmRefusal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    api
      .get<Page<AsmRefusal>>('/asm/refusals', { organizationId, limit: 50 })
      .then((p) => setRows(p.items))
      .catch((e: unknown) => {
        setRows([]);
        setError(e instanceof ApiError ? e.localized(locale) : String(e));
      });
  }, [organizationId]);
  return (
    <section className="card" aria-labelledby="asm-ref-h">
      <h2 id="asm-ref-h" className="card-title">
        {t('asm.ref.title')}
      </h2>
      <p>{t('asm.ref.lead')}</p>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {rows === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <DataTable
          caption={t('asm.ref.title')}
          rows={rows}
          rowKey={(r) => r.id}
          empty={t('asm.ref.none')}
          columns={[
            {
              key: 'at',
              header: t('asm.ref.at'),
              render: (r) => <span className="nowrap">{dateTime(r.at)}</span>,
            },
            {
              key: 'target',
              header: t('asm.ref.target'),
              render: (r) => (
                <span className="mono">{r.port === null ? r.target : `${r.target}:${r.port}`}</span>
              ),
            },
            { key: 'reason', header: t('asm.ref.reason'), render: (r) => r.reason },
          ]}
        />
      )}
    </section>
  );
}
