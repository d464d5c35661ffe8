// Page frame: skip link, header with language switch and account menu, labelled navigation, main, footer.
// On every route change focus moves to the page heading so screen-reader and keyboard users start there.
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import type { Me } from '../api/types.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';
import { Link, useRouter } from '../router.js';
import { canManageUsers, canReadAudit } from '../roles.js';
import { Button } from './Button.js';
import { socNav } from '../screens/soc/routes.js';
import { asmNav } from '../screens/asm/routes.js';
import { socAdminNav } from '../screens/soc/adminRoutes.js';

export function Brand() {
  const { t } = useI18n();
  return (
    <span className="brand">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <path d="M16 2 4 6v9c0 7.5 5.1 13.3 12 15 6.9-1.7 12-7.5 12-15V6z" fill="currentColor" />
        <path
          d="m10.5 16 4 4 7-8"
          fill="none"
          stroke="#fff"
          strokeWidth="3"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <span className="brand-text">
        <span className="brand-name">Mamori</span>
        <span className="brand-sub">{t('app.subtitle')}</span>
      </span>
    </span>
  );
}

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.label')}>
      <svg className="lang-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
        <path
          d="M2.5 12h19M12 2.5c2.6 2.7 3.8 6 3.8 9.5s-1.2 6.8-3.8 9.5c-2.6-2.7-3.8-6-3.8-9.5S9.4 5.2 12 2.5z"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
        />
      </svg>
      <button type="button" lang="ja" aria-pressed={locale === 'ja'} onClick={() => setLocale('ja')}>
        日本語
      </button>
      <button type="button" lang="en" aria-pressed={locale === 'en'} onClick={() => setLocale('en')}>
        English
      </button>
    </div>
  );
}

export function SkipLink() {
  const { t } = useI18n();
  return (
    <a className="skip-link" href="#main">
      {t('app.skip')}
    </a>
  );
}

export function Footer() {
  const { t } = useI18n();
  return (
    <footer className="footer">
      <div className="footer-inner">
        <span>{t('app.footer')}</span>
        <span>© Mamori contributors · Apache-2.0</span>
      </div>
    </footer>
  );
}

interface NavItem {
  href: string;
  label: MessageKey;
  match: string[];
  icon: string;
}

export function Layout({
  me,
  onSignOut,
  title,
  children,
}: {
  me: Me;
  onSignOut: () => void;
  title: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { route } = useRouter();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} | Mamori`;
  }, [title]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = mainRef.current?.querySelector<HTMLElement>('h1');
    (h1 ?? mainRef.current)?.focus();
  }, [route.path]);

  const items: NavItem[] = [
    { href: '/orgs', label: 'nav.orgs', match: ['orgs', 'org'], icon: 'M4 20V9l8-5 8 5v11h-5v-6H9v6z' },
    ...(canManageUsers(me.role)
      ? [
          {
            href: '/users',
            label: 'nav.users' as const,
            match: ['users'],
            icon: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 9c0-3.9 3.1-7 7-7s7 3.1 7 7zm14.5-9.2a3.3 3.3 0 1 0 0-6.6M18 13.3c2.5.7 4 3.2 4 6.7h-3',
          },
        ]
      : []),
    ...socNav(),
    ...socAdminNav(me.role),
    ...asmNav(),
    {
      href: '/tokens',
      label: 'nav.tokens',
      match: ['tokens'],
      icon: 'M14.5 3a6.5 6.5 0 0 0-6.2 8.5L2 17.8V22h4.2v-2.2h2.2v-2.2h2.2l1.9-1.9A6.5 6.5 0 1 0 14.5 3zm2 6.3a1.8 1.8 0 1 1 0-3.6 1.8 1.8 0 0 1 0 3.6z',
    },
    ...(canReadAudit(me.role)
      ? [
          {
            href: '/audit',
            label: 'nav.audit' as const,
            match: ['audit'],
            icon: 'M6 2h9l5 5v15H6zM14 2v6h6M9 12h8M9 16h8M9 8h3',
          },
        ]
      : []),
    {
      href: '/account',
      label: 'nav.account',
      match: ['account'],
      icon: 'M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm-9 10c0-5 4-8 9-8s9 3 9 8z',
    },
  ];

  return (
    <div className="app">
      <SkipLink />
      <header className="header">
        <div className="header-inner">
          <Link href="/orgs" className="brand-link">
            <Brand />
          </Link>
          <div className="header-tools">
            <LanguageSwitch />
            <div className="user-chip">
              <span className="user-chip-name">{me.displayName || me.username}</span>
              <span className="user-chip-org">
                {me.organization.name} · {t(`role.${me.role}` as MessageKey)}
              </span>
            </div>
            <Button variant="outline" size="sm" onClick={onSignOut}>
              {t('auth.signOut')}
            </Button>
          </div>
        </div>
      </header>
      <div className="shell">
        <nav className="sidenav" aria-label={t('nav.label')}>
          <ul>
            {items.map((it) => {
              const current = it.match.includes(route.name);
              return (
                <li key={it.href}>
                  <Link href={it.href} aria-current={current ? 'page' : undefined}>
                    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                      <path d={it.icon} />
                    </svg>
                    <span>{t(it.label)}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <main id="main" className="main" ref={mainRef} tabIndex={-1} aria-label={title}>
          {children}
        </main>
      </div>
      <Footer />
    </div>
  );
}

export function PageHeader({
  title,
  lead,
  children,
}: {
  title: string;
  lead?: string;
  children?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {lead ? <p className="lead">{lead}</p> : null}
      </div>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}
