// Triage of one alert: what fired (rule and its author, as the Sigma licence asks), the evidence events, and
// the actions: acknowledge, assign to me, comment, resolve, mark false positive with a reason, raise an incident.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { DataTable } from '../../components/DataTable.js';
import { TextField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { alertsApi, type AlertDetail } from './alertsApi.js';
import { SeverityTag, StatusTag } from './common.js';

export function AlertDetailScreen({ id, me }: { id: string; me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [d, setD] = useState<AlertDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [fpReason, setFpReason] = useState('');
  const [fpError, setFpError] = useState<string | null>(null);
  const [incident, setIncident] = useState('');
  const [busy, setBusy] = useState(false);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  const load = async () => {
    try {
      setD(await alertsApi.get(id));
    } catch (e) {
      setError(msg(e));
    }
  };
  useEffect(() => {
    void load();
  }, [id]);

  const act = async (fn: () => Promise<unknown>, doneKey: MessageKey) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await fn();
      setDone(t(doneKey));
      await load();
      return true;
    } catch (e) {
      setError(msg(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submitComment = async (e: FormEvent) => {
    e.preventDefault();
    if (!comment.trim()) return;
    if (await act(() => alertsApi.comment(id, comment.trim()), 'soc.triage.commented')) setComment('');
  };
  const submitFp = async (e: FormEvent) => {
    e.preventDefault();
    if (!fpReason.trim()) {
      setFpError(t('soc.triage.reasonMissing'));
      return;
    }
    setFpError(null);
    if (await act(() => alertsApi.falsePositive(id, fpReason.trim()), 'soc.triage.fpDone')) setFpReason('');
  };
  const submitIncident = async (e: FormEvent) => {
    e.preventDefault();
    await act(
      () => alertsApi.incident(id, incident.trim() || (d?.alert.ruleTitle ?? '')),
      'soc.triage.incidentDone',
    );
  };

  if (!d) {
    return (
      <>
        <PageHeader title={t('soc.triage.title')} />
        {error ? <Banner kind="error" title={error} /> : <p>{t('common.loading')}</p>}
        <Link href="/soc/alerts">{t('soc.triage.back')}</Link>
      </>
    );
  }
  const a = d.alert;
  const closed = a.status === 'resolved' || a.status === 'false_positive';
  return (
    <>
      <PageHeader title={`${t('soc.triage.title')}：${a.ruleTitle}`}>
        <Link href="/soc/alerts">{t('soc.triage.back')}</Link>
      </PageHeader>
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} focus /> : null}
      {done ? <Banner kind="success" title={done} onClose={() => setDone(null)} /> : null}
      <section className="card" aria-labelledby="soc-tr-sum-h">
        <h2 id="soc-tr-sum-h" className="card-title">
          {t('soc.triage.summary')}
        </h2>
        <dl className="soc-kv">
          <dt>{t('soc.severity')}</dt>
          <dd>
            <SeverityTag severity={a.severity} />
          </dd>
          <dt>{t('soc.status')}</dt>
          <dd data-testid="alert-status">
            <StatusTag status={a.status} />
          </dd>
          <dt>{t('soc.alerts.rule')}</dt>
          <dd>
            {a.ruleTitle} <span className="mono">({a.ruleId})</span>
          </dd>
          <dt>{t('soc.triage.author')}</dt>
          <dd>{a.ruleAuthor}</dd>
          <dt>{t('soc.organization')}</dt>
          <dd>{a.organizationName ?? a.organizationId ?? t('soc.unattributed')}</dd>
          <dt>{t('soc.alerts.entity')}</dt>
          <dd className="mono">{a.entity}</dd>
          <dt>{t('soc.triage.firstSeen')}</dt>
          <dd>{dateTime(a.firstSeen)}</dd>
          <dt>{t('soc.alerts.lastSeen')}</dt>
          <dd>{dateTime(a.lastSeen)}</dd>
          <dt>{t('soc.alerts.events')}</dt>
          <dd>{a.eventCount}</dd>
          <dt>{t('soc.triage.ackDeadline')}</dt>
          <dd>
            {a.acknowledgedAt
              ? `${t('soc.triage.acknowledgedAt')} ${dateTime(a.acknowledgedAt)}`
              : dateTime(a.ackDeadline)}
          </dd>
          <dt>{t('soc.triage.assignee')}</dt>
          <dd data-testid="alert-assignee">{a.assigneeName ?? a.assigneeId ?? t('soc.triage.unassigned')}</dd>
          {a.falsePositiveReason ? (
            <>
              <dt>{t('soc.triage.fpReason')}</dt>
              <dd>{a.falsePositiveReason}</dd>
            </>
          ) : null}
          {a.incidentRef ? (
            <>
              <dt>{t('soc.triage.incident')}</dt>
              <dd className="mono">{a.incidentRef}</dd>
            </>
          ) : null}
        </dl>
        <div className="button-row">
          <Button
            variant="solid"
            busy={busy}
            disabled={a.acknowledgedAt !== null || closed}
            onClick={() => void act(() => alertsApi.acknowledge(id), 'soc.triage.acknowledged')}
          >
            {t('soc.alerts.acknowledge')}
          </Button>
          <Button
            variant="outline"
            busy={busy}
            disabled={a.assigneeId === me.id}
            onClick={() => void act(() => alertsApi.assign(id, me.id), 'soc.triage.assigned')}
          >
            {t('soc.alerts.assignMe')}
          </Button>
          <Button
            variant="outline"
            busy={busy}
            disabled={closed}
            onClick={() => void act(() => alertsApi.resolve(id), 'soc.triage.resolved')}
          >
            {t('soc.alerts.resolve')}
          </Button>
        </div>
      </section>
      <section className="card" aria-labelledby="soc-tr-ev-h">
        <h2 id="soc-tr-ev-h" className="card-title">
          {t('soc.triage.evidence')}
        </h2>
        <DataTable
          caption={t('soc.triage.evidence')}
          rows={d.events}
          rowKey={(r) => r.id}
          empty={t('common.none')}
          columns={[
            {
              key: 'time',
              header: t('soc.time'),
              render: (r) => <span className="nowrap">{dateTime(r.time)}</span>,
            },
            {
              key: 'src',
              header: t('soc.srcIp'),
              render: (r) => <span className="mono">{r.src?.ip ?? '—'}</span>,
            },
            { key: 'rule', header: t('soc.rule'), render: (r) => r.rule?.name ?? r.activity ?? '—' },
            {
              key: 'raw',
              header: t('soc.raw'),
              render: (r) => <code className="mono wrap">{(r.raw ?? '').slice(0, 200)}</code>,
            },
          ]}
        />
      </section>
      <section className="card" aria-labelledby="soc-tr-com-h">
        <h2 id="soc-tr-com-h" className="card-title">
          {t('soc.triage.comments')}
        </h2>
        {d.comments.length === 0 ? (
          <p>{t('soc.triage.noComments')}</p>
        ) : (
          <ul className="soc-live-list">
            {d.comments.map((c) => (
              <li key={c.id}>
                <strong>{c.authorName}</strong>
                <span className="result-count">{dateTime(c.createdAt)}</span>
                <span>{c.body}</span>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={(e) => void submitComment(e)} className="form-stack">
          <TextField
            label={t('soc.triage.comment')}
            name="comment"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          <div className="form-actions">
            <Button type="submit" variant="outline" busy={busy}>
              {t('soc.triage.addComment')}
            </Button>
          </div>
        </form>
      </section>
      {!closed ? (
        <section className="card" aria-labelledby="soc-tr-fp-h">
          <h2 id="soc-tr-fp-h" className="card-title">
            {t('soc.triage.fpTitle')}
          </h2>
          <form onSubmit={(e) => void submitFp(e)} className="form-stack" noValidate>
            <TextField
              label={t('soc.triage.fpReason')}
              name="fpReason"
              required
              support={t('soc.triage.fpSupport')}
              error={fpError}
              value={fpReason}
              onChange={(e) => setFpReason(e.target.value)}
            />
            <div className="form-actions">
              <Button type="submit" variant="danger" busy={busy}>
                {t('soc.triage.markFp')}
              </Button>
            </div>
          </form>
        </section>
      ) : null}
      {!a.incidentRef ? (
        <section className="card" aria-labelledby="soc-tr-inc-h">
          <h2 id="soc-tr-inc-h" className="card-title">
            {t('soc.triage.incidentTitle')}
          </h2>
          <form onSubmit={(e) => void submitIncident(e)} className="form-stack">
            <TextField
              label={t('soc.triage.incidentSummary')}
              name="incident"
              support={t('soc.triage.incidentSupport')}
              value={incident}
              onChange={(e) => setIncident(e.target.value)}
            />
            <div className="form-actions">
              <Button type="submit" variant="outline" busy={busy}>
                {t('soc.triage.raiseIncident')}
              </Button>
            </div>
          </form>
        </section>
      ) : null}
    </>
  );
}
