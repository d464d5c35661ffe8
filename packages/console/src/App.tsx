// Application root: session bootstrap, locale, and the route → screen table.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, setCsrfToken, setUnauthorizedHandler } from './api/client.js';
import type { Locale, Me } from './api/types.js';
import { Layout, PageHeader } from './components/Layout.js';
import { I18nContext, formatDateTime, initialLocale, translator, useI18n } from './i18n/i18n.js';
import type { I18n, MessageKey } from './i18n/i18n.js';
import { Link, RouterProvider, useRouter } from './router.js';
import type { Route } from './router.js';
import { canManageUsers, canReadAudit } from './roles.js';
import { AccountScreen } from './screens/Account.js';
import { AuditScreen } from './screens/Audit.js';
import { OrgDetailScreen } from './screens/OrgDetail.js';
import { OrgTree } from './screens/OrgTree.js';
import { SignIn } from './screens/SignIn.js';
import { TokensScreen } from './screens/Tokens.js';
import { UsersScreen } from './screens/Users.js';
import { SocScreen, socTitles } from './screens/soc/index.js';
import { SocAdminScreen, socAdminTitles } from './screens/soc/SocAdmin.js';
import { AsmScreen, asmTitles } from './screens/asm/index.js';

const titles: Record<Route['name'], MessageKey> = {
  orgs: 'nav.orgs',
  org: 'org.detailTitle',
  users: 'nav.users',
  tokens: 'nav.tokens',
  audit: 'nav.audit',
  account: 'nav.account',
  notFound: 'notFound.title',
  ...socTitles,
  ...socAdminTitles,
  ...asmTitles,
};

function Screens({ me, setMe, signOut }: { me: Me; setMe: (m: Me) => void; signOut: () => void }) {
  const { route } = useRouter();
  const { t } = useI18n();
  let body: React.ReactNode;
  const forbidden = (
    <>
      <PageHeader title={t('notFound.forbidden')} />
      <Link href="/orgs">{t('org.backToTree')}</Link>
    </>
  );
  switch (route.name) {
    case 'orgs':
      body = <OrgTree me={me} />;
      break;
    case 'org':
      body = <OrgDetailScreen id={route.params.id ?? ''} me={me} />;
      break;
    case 'users':
      body = canManageUsers(me.role) ? <UsersScreen me={me} /> : forbidden;
      break;
    case 'tokens':
      body = <TokensScreen me={me} />;
      break;
    case 'audit':
      body = canReadAudit(me.role) ? <AuditScreen /> : forbidden;
      break;
    case 'account':
      body = <AccountScreen me={me} onChange={setMe} />;
      break;
    case 'socAlerts':
    case 'socAlert':
    case 'socLive':
    case 'socEvents':
    case 'socQuarantine':
    case 'socReport':
      body = <SocScreen name={route.name} params={route.params} me={me} />;
      break;
    case 'socContacts':
    case 'socRuleSets':
    case 'socNotifications':
    case 'socSources':
      body = <SocAdminScreen name={route.name} me={me} />;
      break;
    case 'asmFindings':
    case 'asmFinding':
    case 'asmAssets':
    case 'asmScope':
    case 'asmScanRun':
    case 'asmDashboard':
      body = <AsmScreen name={route.name} params={route.params} me={me} />;
      break;
    default:
      body = (
        <>
          <PageHeader title={t('notFound.title')} lead={t('notFound.lead')} />
          <Link href="/orgs">{t('org.backToTree')}</Link>
        </>
      );
  }
  return (
    <Layout me={me} onSignOut={signOut} title={t(titles[route.name])}>
      {body}
    </Layout>
  );
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [me, setMe] = useState<Me | null>(null);
  const [phase, setPhase] = useState<'loading' | 'signedOut' | 'app'>('loading');
  // A language picked on the sign-in page wins over the account's saved one; otherwise the account's applies.
  const pickedWhileSignedOut = useRef(false);
  /** The session ended while the console was open (idle or absolute timeout, or revoked). */
  const [expired, setExpired] = useState(false);

  const setLocale = useCallback(
    (l: Locale) => {
      setLocaleState(l);
      if (!me) pickedWhileSignedOut.current = true;
      try {
        localStorage.setItem('mamori.locale', l);
      } catch {
        // not persisted; the switch still applies to this page
      }
      // Remember the choice on the account too; a failure here is not worth interrupting the user.
      if (me && me.locale !== l) {
        api
          .patch<Me>('/me', { locale: l })
          .then((m) => setMe(m))
          .catch(() => undefined);
      }
    },
    [me],
  );

  const i18n: I18n = useMemo(
    () => ({ locale, t: translator(locale), setLocale, dateTime: (iso) => formatDateTime(locale, iso) }),
    [locale, setLocale],
  );

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      setExpired(true);
      setPhase('signedOut');
    });
    api
      .get<{ user: Me; csrfToken: string }>('/auth/session')
      .then((s) => {
        setCsrfToken(s.csrfToken);
        if (s.user.locale) setLocaleState(s.user.locale);
        setMe(s.user);
        setPhase('app');
      })
      .catch(() => setPhase('signedOut'));
    return () => setUnauthorizedHandler(null);
  }, []);

  const adoptAccountLocale = (m: Me) => {
    if (pickedWhileSignedOut.current) {
      pickedWhileSignedOut.current = false;
      if (m.locale !== locale) {
        api
          .patch<Me>('/me', { locale })
          .then((u) => setMe(u))
          .catch(() => undefined);
      }
    } else if (m.locale && m.locale !== locale) {
      setLocaleState(m.locale);
      try {
        localStorage.setItem('mamori.locale', m.locale);
      } catch {
        // not persisted
      }
    }
  };

  const signedIn = (m: Me) => {
    setExpired(false);
    adoptAccountLocale(m);
    setMe(m);
    setPhase('app');
    if (window.location.pathname === '/' || window.location.pathname === '/login') {
      window.history.replaceState({}, '', '/orgs');
    }
  };

  const signOut = async () => {
    try {
      await api.post('/auth/logout');
    } catch {
      // the session is gone either way
    }
    setCsrfToken('');
    setMe(null);
    setPhase('signedOut');
  };

  return (
    <I18nContext.Provider value={i18n}>
      {phase === 'loading' ? (
        <div className="boot" role="status">
          {i18n.t('common.loading')}
        </div>
      ) : phase === 'signedOut' || !me ? (
        <SignIn onSignedIn={signedIn} expired={expired} />
      ) : (
        <RouterProvider>
          <Screens me={me} setMe={setMe} signOut={() => void signOut()} />
        </RouterProvider>
      )}
    </I18nContext.Provider>
  );
}
