// Small pieces the SOC screens share: severity and status tags, the organization scope picker, time ranges.
import type { Me } from '../../api/types.js';
import { isCompleteDate } from '../../components/Field.js';
import { OrgPicker } from '../../components/OrgPicker.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import type { AlertStatus, Severity } from './types.js';
import './soc.css';

export function SeverityTag({ severity }: { severity: Severity }) {
  const { t } = useI18n();
  return (
    <span className={`status-tag sev-tag sev-${severity}`}>{t(`soc.sev.${severity}` as MessageKey)}</span>
  );
}

export function StatusTag({ status }: { status: AlertStatus }) {
  const { t } = useI18n();
  const cls =
    status === 'new'
      ? 'status-bad'
      : status === 'resolved'
        ? 'status-ok'
        : status === 'false_positive'
          ? 'status-off'
          : 'status-warn';
  return <span className={`status-tag ${cls}`}>{t(`soc.status.${status}` as MessageKey)}</span>;
}

/** Municipal roles see only their own organization: no picker, just its name. */
export const isMunicipal = (me: Me) => me.role === 'municipality_admin' || me.role === 'municipality_staff';

export function ScopePicker({
  me,
  value,
  onChange,
}: {
  me: Me;
  value: string;
  onChange: (id: string) => void;
}) {
  const { t } = useI18n();
  if (isMunicipal(me)) {
    return (
      <div className="field">
        <span className="field-label">{t('soc.organization')}</span>
        <p className="soc-own-org" data-testid="soc-own-org">
          {me.organization.name}
        </p>
      </div>
    );
  }
  return (
    <div className="soc-scope">
      <OrgPicker
        label={t('soc.organization')}
        value={value}
        onChange={onChange}
        base={{ id: me.organization.id, name: me.organization.name, code: me.organization.code }}
      />
    </div>
  );
}

const JST_MS = 9 * 3600_000;

export const isTime = (v: string) => /^([01]?\d|2[0-3]):[0-5]\d$/.test(v);

/**
 * A day ('YYYY-MM-DD', Japan time) and an optional time ('HH:MM') → ISO UTC. Without a time, a start is the
 * start of the day and an end (exclusive) the start of the next day, so the whole day is included.
 */
export function dayTimeToIso(day: string, time: string, end: boolean): string | undefined {
  if (!isCompleteDate(day)) return undefined;
  const hm = time.trim();
  if (hm && !isTime(hm)) return undefined;
  const [h, m] = hm ? hm.split(':').map(Number) : [0, 0];
  const [y, mo, d] = day.split('-').map(Number);
  const ms = Date.UTC(y!, mo! - 1, d! + (end && !hm ? 1 : 0), h!, m!) - JST_MS;
  return new Date(ms).toISOString();
}

/** The Japan-time day of an instant, 'YYYY-MM-DD'. */
export const jstDay = (ms: number) => new Date(ms + JST_MS).toISOString().slice(0, 10);

export const formatNumber = (locale: string, n: number | null) =>
  n === null ? '—' : new Intl.NumberFormat(locale === 'ja' ? 'ja-JP' : 'en-GB').format(n);
