// Small pieces the SOC screens share: severity and status tags, the organization scope picker, time ranges.
import type { Me } from '../../api/types.js';
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

/** 'YYYY-MM-DDTHH:mm' (datetime-local, Japan time) → ISO UTC, or undefined when empty or invalid. */
export function localToIso(v: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return undefined;
  const d = new Date(`${v}:00+09:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** ISO → 'YYYY-MM-DDTHH:mm' in Japan time, for datetime-local inputs. */
export function isoToLocal(iso: string): string {
  return new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 16);
}

export const formatNumber = (locale: string, n: number | null) =>
  n === null ? '—' : new Intl.NumberFormat(locale === 'ja' ? 'ja-JP' : 'en-GB').format(n);
