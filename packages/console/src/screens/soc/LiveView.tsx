// Live view: new and updated alerts as the server pushes them (Server-Sent Events), newest first. The
// browser's EventSource reconnects by itself; the list is announced politely to screen readers.
import { useEffect, useState } from 'react';
import type { Me } from '../../api/types.js';
import { Banner } from '../../components/Banner.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { alertsApi } from './alertsApi.js';
import { SeverityTag, StatusTag } from './common.js';
import type { SocAlert } from './types.js';

const KEEP = 200;

export function LiveViewScreen(_: { me: Me }) {
  const { t, dateTime } = useI18n();
  const [items, setItems] = useState<SocAlert[]>([]);
  const [state, setState] = useState<'connecting' | 'open' | 'error'>('connecting');

  useEffect(() => {
    const es = new EventSource(alertsApi.streamUrl, { withCredentials: true });
    const onAlert = (e: MessageEvent<string>) => {
      try {
        const data = JSON.parse(e.data) as SocAlert | { alert: SocAlert };
        const a = 'alert' in data ? data.alert : data;
        if (!a?.id) return;
        setItems((xs) => [a, ...xs.filter((x) => x.id !== a.id)].slice(0, KEEP));
      } catch {
        // a malformed message is skipped; the stream goes on
      }
    };
    es.onopen = () => setState('open');
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'error' : 'connecting');
    es.onmessage = onAlert;
    es.addEventListener('alert', onAlert as EventListener);
    return () => es.close();
  }, []);

  return (
    <>
      <PageHeader title={t('soc.live.title')} lead={t('soc.live.lead')}>
        <Link href="/soc/alerts">{t('soc.nav.alerts')}</Link>
      </PageHeader>
      {state === 'error' ? <Banner kind="error" title={t('soc.live.lost')} /> : null}
      <section className="card" aria-labelledby="soc-live-h">
        <h2 id="soc-live-h" className="card-title">
          {t('soc.live.feed')}{' '}
          <span
            className={`status-tag ${state === 'open' ? 'status-ok' : 'status-warn'}`}
            data-testid="live-state"
          >
            {state === 'open' ? t('soc.live.connected') : t('soc.live.connecting')}
          </span>
        </h2>
        {items.length === 0 ? <p>{t('soc.live.waiting')}</p> : null}
        <ul className="soc-live-list" aria-live="polite" aria-relevant="additions">
          {items.map((a) => (
            <li key={a.id}>
              <SeverityTag severity={a.severity} />
              <span className="nowrap">{dateTime(a.lastSeen)}</span>
              <Link href={`/soc/alerts/${encodeURIComponent(a.id)}`}>{a.ruleTitle}</Link>
              <span>{a.organizationName ?? a.organizationId ?? t('soc.unattributed')}</span>
              <StatusTag status={a.status} />
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
