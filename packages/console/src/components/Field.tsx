// Form fields after the Digital Agency pattern: label, requirement badge, support text, error text.
// The input is described by its support and error texts so screen readers announce them.
import { useId } from 'react';
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';
import { useI18n } from '../i18n/i18n.js';

interface FieldShell {
  label: string;
  required?: boolean;
  support?: ReactNode;
  error?: string | null;
}

function Shell({
  id,
  label,
  required,
  support,
  error,
  children,
  as = 'label',
}: FieldShell & { id: string; children: ReactNode; as?: 'label' | 'legend' }) {
  const { t } = useI18n();
  const labelContent = (
    <>
      {label}
      {required ? <span className="badge-required">{t('form.required')}</span> : null}
    </>
  );
  const body = (
    <>
      {support ? (
        <p className="field-support" id={`${id}-support`}>
          {support}
        </p>
      ) : null}
      {children}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          ＊{error}
        </p>
      ) : null}
    </>
  );
  if (as === 'legend') {
    return (
      <fieldset className={`field${error ? ' field-invalid' : ''}`}>
        <legend className="field-label">{labelContent}</legend>
        {body}
      </fieldset>
    );
  }
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {labelContent}
      </label>
      {body}
    </div>
  );
}

function describedBy(id: string, support: unknown, error: unknown): string | undefined {
  const ids = [support ? `${id}-support` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField({
  label,
  required,
  support,
  error,
  id: givenId,
  className,
  ...input
}: FieldShell & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const id = givenId ?? auto;
  return (
    <Shell id={id} label={label} required={required} support={support} error={error}>
      <input
        id={id}
        className={['input', className].filter(Boolean).join(' ')}
        required={required}
        aria-required={required || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, support, error)}
        {...input}
      />
    </Shell>
  );
}

export function SelectField({
  label,
  required,
  support,
  error,
  id: givenId,
  options,
  ...select
}: FieldShell & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  const auto = useId();
  const id = givenId ?? auto;
  return (
    <Shell id={id} label={label} required={required} support={support} error={error}>
      <div className="select-wrap">
        <select
          id={id}
          className="input select"
          required={required}
          aria-required={required || undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, support, error)}
          {...select}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
    </Shell>
  );
}

export function CheckboxGroup({
  label,
  required,
  support,
  error,
  options,
  value,
  onChange,
}: FieldShell & {
  options: { value: string; label: string; hint?: string }[];
  value: string[];
  onChange: (v: string[]) => void;
}) {
  const id = useId();
  return (
    <Shell id={id} label={label} required={required} support={support} error={error} as="legend">
      <div className="checkbox-list">
        {options.map((o) => {
          const cid = `${id}-${o.value}`;
          return (
            <div className="checkbox" key={o.value}>
              <input
                type="checkbox"
                id={cid}
                checked={value.includes(o.value)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))
                }
              />
              <label htmlFor={cid}>
                {o.label}
                {o.hint ? <span className="checkbox-hint">{o.hint}</span> : null}
              </label>
            </div>
          );
        })}
      </div>
    </Shell>
  );
}

/**
 * Date as separate year / month / day boxes (the Digital Agency date-input pattern). Unlike the native date
 * input, its format does not depend on the browser's UI language. Value: 'YYYY-MM-DD' or '' while incomplete.
 */
export function DateField({
  label,
  required,
  support,
  error,
  value,
  onChange,
  name,
}: FieldShell & { value: string; onChange: (v: string) => void; name: string }) {
  const { t } = useI18n();
  const id = useId();
  const [y = '', m = '', d = ''] = value ? value.split('-') : [];
  const parts = { y, m, d };
  const emit = (next: { y: string; m: string; d: string }) => {
    const complete = /^\d{4}$/.test(next.y) && /^\d{1,2}$/.test(next.m) && /^\d{1,2}$/.test(next.d);
    onChange(
      complete
        ? `${next.y}-${next.m.padStart(2, '0')}-${next.d.padStart(2, '0')}`
        : next.y || next.m || next.d
          ? `${next.y}-${next.m}-${next.d}`
          : '',
    );
  };
  const box = (key: 'y' | 'm' | 'd', unit: string, width: string, max: number) => (
    <span className="date-part">
      <input
        id={`${id}-${key}`}
        name={`${name}-${key}`}
        className="input date-input"
        style={{ width }}
        inputMode="numeric"
        pattern="[0-9]*"
        maxLength={max}
        value={parts[key]}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, support, error)}
        onChange={(e) => emit({ ...parts, [key]: e.target.value.replace(/\D/g, '') })}
      />
      <label htmlFor={`${id}-${key}`} className="date-unit">
        {unit}
      </label>
    </span>
  );
  return (
    <Shell id={id} label={label} required={required} support={support} error={error} as="legend">
      <div className="date-row">
        {box('y', t('date.year'), '5.25rem', 4)}
        {box('m', t('date.month'), '3.5rem', 2)}
        {box('d', t('date.day'), '3.5rem', 2)}
      </div>
    </Shell>
  );
}

/** 'YYYY-MM-DD' → true when it names a real calendar day. */
export function isCompleteDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

/** After a failed submit, move focus to the first field marked invalid so the user lands on the problem. */
export function focusFirstInvalid(form: HTMLFormElement | null | undefined): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
