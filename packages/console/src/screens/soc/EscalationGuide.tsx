// How an alert travels: the organization's contacts at once, then the prefecture's SOC lead, then the state,
// each when the acknowledgement deadline passes. No API reports the deadlines, so they are the documented
// defaults (docs/soc-detection.md, notify.ackMinutes*), said to be so on the page.
import { useI18n } from '../../i18n/i18n.js';
import { SeverityTag } from './common.js';

const deadlines = [
  { severity: 'critical', text: 'socAdmin.esc.deadlineCritical' },
  { severity: 'high', text: 'socAdmin.esc.deadlineHigh' },
  { severity: 'medium', text: 'socAdmin.esc.deadlineMedium' },
  { severity: 'low', text: 'socAdmin.esc.deadlineLow' },
  { severity: 'informational', text: 'socAdmin.esc.deadlineInfo' },
] as const;

export function EscalationGuide() {
  const { t } = useI18n();
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
            {deadlines.map((d) => (
              <tr key={d.severity}>
                <th scope="row">
                  <SeverityTag severity={d.severity} />
                </th>
                <td>{t(d.text)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="field-support">{t('socAdmin.esc.source')}</p>
    </section>
  );
}
