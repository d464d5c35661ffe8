// One ASM finding: what it is, where, the evidence, what to do, and its status (acknowledge, accept the risk
// with a reason and an expiry, mark a false positive with a reason, reopen). "Fixed" comes only from a rescan.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n, type MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { AsmFindingDetail } from './types.js';

export function FindingDetailScreen({ id }: { id: string; me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [f, setF] = useState<AsmFindingDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [action, setAction] = useState('acknowledged');
  const [reason, setReason] = useState('');
  const [expiry, setExpiry] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const load = async () => {
    try {
      setF(await api.get<AsmFindingDetail>(`/asm/findings/${encodeURIComponent(id)}`));
    } catch (e) {
      setError(msg(e));
    }
  };
  useEffect(() => {
    void load();
  }, [id]);

  const submit = async (e: FormEvent, act: string) => {
    e.preventDefault();
    setFormError(null);
    const action = act;
    const needsReason = action === 'accepted_risk' || action === 'false_positive';
    if (needsReason && !reason.trim()) return setFormError(t('asm.finding.reasonMissing'));
    if (action === 'accepted_risk' && !/^\d{4}-\d{2}-\d{2}$/.test(expiry))
      return setFormError(t('asm.finding.expiryMissing'));
    const body =
      action === 'accepted_risk'
        ? {
            status: action,
            reason: reason.trim(),
            expiry: new Date(`${expiry}T23:59:59+09:00`).toISOString(),
          }
        : action === 'false_positive'
          ? { status: action, reason: reason.trim() }
          : { status: action };
    try {
      await api.post(`/asm/findings/${encodeURIComponent(id)}/status`, body);
      setDone(t('asm.finding.changed', { status: t(`asm.status.${action}` as MessageKey) }));
      setReason('');
      await load();
    } catch (err) {
      setError(msg(err));
    }
  };

  if (!f) {
    return (
      <>
        <PageHeader title={t('asm.finding.title')} />
        {error ? <Banner kind="error" title={error} /> : <p>{t('common.loading')}</p>}
        <Link href="/asm/findings">{t('asm.finding.back')}</Link>
      </>
    );
  }
  const actions =
    f.status === 'fixed'
      ? []
      : ['acknowledged', 'accepted_risk', 'false_positive', 'open'].filter((a) => a !== f.status);
  const act = actions.includes(action) ? action : (actions[0] ?? '');
  return (
    <>
      <PageHeader title={f.title} lead={t('asm.finding.lead')}>
        <Link href="/asm/findings" className="btn btn-outline btn-md">
          {t('asm.finding.back')}
        </Link>
      </PageHeader>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      <section className="card" aria-labelledby="asm-fd-h">
        <h2 id="asm-fd-h" className="card-title">
          {t('asm.finding.summary')}
        </h2>
        <dl className="asm-kv">
          <dt>{t('asm.severity')}</dt>
          <dd>
            <span className={`asm-sev asm-sev-${f.severity}`}>
              {t(`asm.sev.${f.severity}` as MessageKey)}
            </span>
            {f.cvss ? `（CVSS ${f.cvss.toFixed(1)}）` : ''}
            {f.kev ? ` ・ ${t('asm.kevLong')}` : ''}
          </dd>
          <dt>{t('asm.target')}</dt>
          <dd className="mono">{f.port === null ? f.host : `${f.host}:${f.port}`}</dd>
          <dt>{t('asm.organization')}</dt>
          <dd>{f.organizationName}</dd>
          <dt>{t('asm.check')}</dt>
          <dd className="mono">{f.check}</dd>
          {f.cves.length ? (
            <>
              <dt>CVE</dt>
              <dd className="mono">{f.cves.join(', ')}</dd>
            </>
          ) : null}
          <dt>{t('asm.status')}</dt>
          <dd>
            {t(`asm.status.${f.status}` as MessageKey)}
            {f.statusReason ? `（${f.statusReason}）` : ''}
            {f.statusExpiry ? ` ${t('asm.finding.until', { date: dateTime(f.statusExpiry) })}` : ''}
          </dd>
          <dt>{t('asm.firstSeen')}</dt>
          <dd>{dateTime(f.firstSeen)}</dd>
          <dt>{t('asm.lastSeen')}</dt>
          <dd>{dateTime(f.lastSeen)}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="asm-fd-rem">
        <h2 id="asm-fd-rem" className="card-title">
          {t('asm.finding.remediation')}
        </h2>
        <p>{f.remediation ? f.remediation[locale] : t('asm.finding.noRemediation')}</p>
      </section>
      <section className="card" aria-labelledby="asm-fd-ev">
        <h2 id="asm-fd-ev" className="card-title">
          {t('asm.finding.evidence')}
        </h2>
        <pre className="asm-evidence" tabIndex={0} aria-labelledby="asm-fd-ev">
          {f.evidence || '—'}
        </pre>
      </section>
      {actions.length ? (
        <section className="card" aria-labelledby="asm-fd-st">
          <h2 id="asm-fd-st" className="card-title">
            {t('asm.finding.changeStatus')}
          </h2>
          {formError ? <Banner kind="error" title={formError} onClose={() => setFormError(null)} /> : null}
          <form onSubmit={(e) => void submit(e, act)} className="filter-grid" noValidate>
            <SelectField
              label={t('asm.finding.newStatus')}
              name="status"
              value={act}
              onChange={(e) => setAction(e.target.value)}
              options={actions.map((a) => ({ value: a, label: t(`asm.status.${a}` as MessageKey) }))}
            />
            {act === 'accepted_risk' || act === 'false_positive' ? (
              <TextField
                label={t('asm.finding.reason')}
                required
                support={t('asm.finding.reasonSupport')}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            ) : null}
            {act === 'accepted_risk' ? (
              <TextField
                label={t('asm.finding.expiry')}
                type="date"
                required
                support={t('asm.finding.expirySupport')}
                value={expiry}
                onChange={(e) => setExpiry(e.target.value)}
              />
            ) : null}
            <div className="form-actions form-span">
              <Button type="submit">{t('asm.finding.apply')}</Button>
            </div>
          </form>
        </section>
      ) : null}
      <section className="card" aria-labelledby="asm-fd-hist">
        <h2 id="asm-fd-hist" className="card-title">
          {t('asm.finding.history')}
        </h2>
        <ul>
          {f.history.map((h, i) => (
            <li key={i}>
              {dateTime(h.at)} {t(`asm.status.${h.to}` as MessageKey)}
              {h.by ? ` — ${h.by}` : ''}
              {h.reason ? `（${h.reason}）` : ''}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
