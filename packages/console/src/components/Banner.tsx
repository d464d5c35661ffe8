// Notification banner (success / error / warning / info) after the Digital Agency pattern.
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';

export type BannerKind = 'success' | 'error' | 'warning' | 'info';

const icons: Record<BannerKind, ReactNode> = {
  success: <path d="m7 12.5 3.2 3.2L17 9" fill="none" stroke="currentColor" strokeWidth="2.4" />,
  error: <path d="M12 6.5v7M12 16.6v.9" fill="none" stroke="currentColor" strokeWidth="2.4" />,
  warning: <path d="M12 6.5v7M12 16.6v.9" fill="none" stroke="currentColor" strokeWidth="2.4" />,
  info: <path d="M12 10.5v7M12 6.5v.9" fill="none" stroke="currentColor" strokeWidth="2.4" />,
};

export function Banner({
  kind,
  title,
  children,
  onClose,
  focus = false,
}: {
  kind: BannerKind;
  title: string;
  children?: ReactNode;
  onClose?: () => void;
  /** Move focus here when shown, for results the user must notice (errors after submit). */
  focus?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, title]);
  return (
    <div
      ref={ref}
      className={`banner banner-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      tabIndex={focus ? -1 : undefined}
    >
      <svg className="banner-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="11" fill="currentColor" opacity="0.12" />
        <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" strokeWidth="2" />
        {icons[kind]}
      </svg>
      <div className="banner-body">
        <p className="banner-title">
          <span className="visually-hidden">{t(`banner.${kind}`)}: </span>
          {title}
        </p>
        {children ? <div className="banner-text">{children}</div> : null}
      </div>
      {onClose ? (
        <button type="button" className="banner-close" onClick={onClose} aria-label={t('common.close')}>
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6 6 18" stroke="currentColor" strokeWidth="2" />
          </svg>
        </button>
      ) : null}
    </div>
  );
}
