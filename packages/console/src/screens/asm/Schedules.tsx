// Scan schedules of one organization: five-field cron in Japan time, on/off, delete (with confirmation).
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { DataTable } from '../../components/DataTable.js';
import { TextField } from '../../components/Field.js';
import { useI18n } from '../../i18n/i18n.js';

interface Schedule {
  id: string;
  cron: string;
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
}

const CRON = /^[0-9*/,-]+( [0-9*/,-]+){4}$/;

export function SchedulesCard({ organizationId, canManage }: { organizationId: string; canManage: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const [rows, setRows] = useState<Schedule[] | null>(null);
  const [cron, setCron] = useState('0 3 * * 1');
  const [cronError, setCronError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const load = async () => {
    try {
      setRows((await api.get<{ items: Schedule[] }>('/asm/schedules', { organizationId })).items);
    } catch (e) {
      setRows([]);
      setError(msg(e));
    }
  };
  useEffect(() => {
    setRows(null);
    void load();
  }, [organizationId]);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setCronError(null);
    if (!CRON.test(cron.trim())) return setCronError(t('asm.sched.cronInvalid'));
    try {
      await api.post('/asm/schedules', { organizationId, cron: cron.trim(), utcOffsetMinutes: 540 });
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  const toggle = async (s: Schedule) => {
    try {
      await api.patch(`/asm/schedules/${encodeURIComponent(s.id)}`, { enabled: !s.enabled });
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  const remove = async () => {
    const s = deleting;
    setDeleting(null);
    if (!s) return;
    try {
      await api.del(`/asm/schedules/${encodeURIComponent(s.id)}`);
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };
  return (
    <section className="card" aria-labelledby="asm-sched-h">
      <h2 id="asm-sched-h" className="card-title">
        {t('asm.sched.title')}
      </h2>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {rows === null ? (
        <p>{t('common.loading')}</p>
      ) : (
        <DataTable
          caption={t('asm.sched.title')}
          rows={rows}
          rowKey={(r) => r.id}
          empty={t('asm.sched.none')}
          columns={[
            {
              key: 'cron',
              header: t('asm.sched.cron'),
              render: (r) => <code className="mono">{r.cron}</code>,
            },
            {
              key: 'on',
              header: t('asm.sched.state'),
              render: (r) => (r.enabled ? t('asm.sched.on') : t('asm.sched.off')),
            },
            {
              key: 'next',
              header: t('asm.sched.next'),
              render: (r) => (r.enabled && r.nextRunAt ? dateTime(r.nextRunAt) : '—'),
            },
            {
              key: 'last',
              header: t('asm.sched.last'),
              render: (r) => (r.lastRunAt ? dateTime(r.lastRunAt) : '—'),
            },
            ...(canManage
              ? [
                  {
                    key: 'actions',
                    header: t('common.actions'),
                    render: (r: Schedule) => (
                      <div className="button-row">
                        <Button size="sm" variant="outline" onClick={() => void toggle(r)}>
                          {r.enabled ? t('asm.sched.disable') : t('asm.sched.enable')}
                        </Button>
                        <Button size="sm" variant="text" onClick={() => setDeleting(r)}>
                          {t('asm.sched.delete')}
                        </Button>
                      </div>
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
            label={t('asm.sched.cron')}
            required
            support={t('asm.sched.cronSupport')}
            error={cronError}
            value={cron}
            onChange={(e) => setCron(e.target.value)}
          />
          <div className="form-actions form-span">
            <Button type="submit">{t('asm.sched.add')}</Button>
          </div>
        </form>
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        title={t('asm.sched.deleteTitle')}
        body={t('asm.sched.deleteBody', { cron: deleting?.cron ?? '' })}
        confirmLabel={t('asm.sched.delete')}
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(null)}
      />
    </section>
  );
}
