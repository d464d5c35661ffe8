// How an alert travels: the organization's contacts at once, then the prefecture's SOC lead, then the state,
// each when the acknowledgement deadline passes. The deadlines are the server's configured ones
// (notify.ackMinutes*), which the contacts list reports beside the contacts.
import type { AckDeadlines } from '../../api/soc-admin-types.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { SeverityTag, formatNumber } from './common.js';

const graded = ['critical', 'high', 'medium', 'low'] as const;

function deadlineText(t: Translate, locale: string, minutes: number): string {
  if (minutes <= 0) return t('socAdmin.esc.none');
  const n = formatNumber(locale, minutes);
  // Whole hours from two hours up read better as hours (1,440 minutes: 24 hours).
  return minutes >= 120 && minutes % 60 === 0
    ? t('socAdmin.esc.hours', { h: formatNumber(locale, minutes / 60), n })
    : t('socAdmin.esc.minutes', { n });
}

export function EscalationGuide({ ackMinutes }: { ackMinutes: AckDeadlines | null }) {
  const { t, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="soc-esc-h">
      <h2 id="soc-esc-h" className="card-title">
        {t('socAdmin.esc.title')}
      </h2>
      <p>{t('socAdmin.esc.lead')}</p>
      <ol className="steps" data-testid="soc-escalation-chain">
        <li>{t('socAdmin.esc.step0')}</li>
        <li>{t('socAdmin.esc.step1')}</li>
        <li>{t('socAdmin.esc.step2')}</li>
      </ol>
      <p>{t('socAdmin.esc.stop')}</p>
      {ackMinutes ? (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="card-title">{t('socAdmin.esc.deadlines')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('socAdmin.field.severity')}</th>
                  <th scope="col">{t('socAdmin.esc.deadline')}</th>
                </tr>
              </thead>
              <tbody>
                {graded.map((severity) => (
                  <tr key={severity}>
                    <th scope="row">
                      <SeverityTag severity={severity} />
                    </th>
                    <td>{deadlineText(t, locale, ackMinutes[severity])}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">
                    <SeverityTag severity="informational" />
                  </th>
                  <td>{t('socAdmin.esc.deadlineInfo')}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p className="field-support">{t('socAdmin.esc.source')}</p>
        </>
      ) : null}
    </section>
  );
}
