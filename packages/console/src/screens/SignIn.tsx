// Sign-in flow: credentials → (MFA code | MFA enrolment → recovery codes shown once) → console.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError, api, setCsrfToken } from '../api/client.js';
import type { LoginResult, Me } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { TextField } from '../components/Field.js';
import { Brand, Footer, LanguageSwitch, SkipLink } from '../components/Layout.js';
import { QrCode } from '../components/QrCode.js';
import { useI18n } from '../i18n/i18n.js';

type Step =
  | { kind: 'credentials' }
  | { kind: 'mfa' }
  | { kind: 'enrol'; secret: string; otpauthUri: string }
  | { kind: 'recovery'; codes: string[]; user: Me };

function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} | Mamori`;
    // Each step replaces the form: put focus on its heading so the change is announced.
    if (document.activeElement && document.activeElement !== document.body) h1.current?.focus();
  }, [title]);
  return (
    <div className="auth-page">
      <SkipLink />
      <header className="header">
        <div className="header-inner">
          <Brand />
          <div className="header-tools">
            <LanguageSwitch />
          </div>
        </div>
      </header>
      <main id="main" className="auth-main" tabIndex={-1} aria-label={title}>
        <div className="auth-card">
          <h1 ref={h1} tabIndex={-1}>
            {title}
          </h1>
          {children}
        </div>
      </main>
      <Footer />
    </div>
  );
}

export function SignIn({ onSignedIn, expired = false }: { onSignedIn: (me: Me) => void; expired?: boolean }) {
  const { t, locale } = useI18n();
  const [step, setStep] = useState<Step>({ kind: 'credentials' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const fail = (e: unknown) => {
    setError(e instanceof ApiError ? e.localized(locale) : String(e));
  };

  const startEnrolment = async () => {
    const r = await api.post<{ secret: string; otpauthUri: string }>('/auth/mfa/enrolment');
    setCode('');
    setStep({ kind: 'enrol', secret: r.secret, otpauthUri: r.otpauthUri });
  };

  const afterLogin = async (r: LoginResult) => {
    setCsrfToken(r.csrfToken);
    if (r.state === 'authenticated' && r.user) onSignedIn(r.user);
    else if (r.state === 'mfa_required') {
      setCode('');
      setStep({ kind: 'mfa' });
    } else if (r.state === 'mfa_enrolment_required') await startEnrolment();
  };

  const submitCredentials = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!username.trim()) fe.username = t('auth.usernameMissing');
    if (!password) fe.password = t('auth.passwordMissing');
    setFieldErrors(fe);
    if (Object.keys(fe).length) return;
    setBusy(true);
    setError(null);
    try {
      await afterLogin(await api.post<LoginResult>('/auth/login', { username: username.trim(), password }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) {
      setFieldErrors({ code: t('auth.codeMissing') });
      return;
    }
    setFieldErrors({});
    setBusy(true);
    setError(null);
    try {
      if (step.kind === 'mfa') {
        const r = await api.post<LoginResult>('/auth/mfa/verify', { code: code.trim() });
        setCsrfToken(r.csrfToken);
        if (r.user) onSignedIn(r.user);
      } else if (step.kind === 'enrol') {
        const r = await api.post<LoginResult & { recoveryCodes: string[] }>('/auth/mfa/enrolment/confirm', {
          code: code.replace(/\s+/g, ''),
        });
        setCsrfToken(r.csrfToken);
        if (r.user) setStep({ kind: 'recovery', codes: r.recoveryCodes, user: r.user });
      }
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const errorBanner = error ? <Banner kind="error" title={error} focus /> : null;

  if (step.kind === 'credentials') {
    return (
      <AuthFrame title={t('auth.signInTitle')}>
        <p className="lead">{t('auth.signInLead')}</p>
        {expired && !error ? <Banner kind="info" title={t('auth.sessionExpired')} /> : null}
        {errorBanner}
        <form onSubmit={submitCredentials} noValidate className="form-stack">
          <TextField
            label={t('auth.username')}
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={fieldErrors.username}
          />
          <TextField
            label={t('auth.password')}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
          />
          <Button type="submit" size="lg" busy={busy} className="btn-block">
            {t('auth.signIn')}
          </Button>
        </form>
        <p className="auth-note">{t('auth.firstTimeNote')}</p>
      </AuthFrame>
    );
  }

  if (step.kind === 'mfa') {
    return (
      <AuthFrame title={t('auth.mfaTitle')}>
        <p className="lead">{t('auth.mfaLead')}</p>
        {errorBanner}
        <form onSubmit={submitCode} noValidate className="form-stack">
          <TextField
            label={t('auth.mfaCode')}
            name="code"
            autoComplete="one-time-code"
            required
            support={t('auth.mfaCodeSupport')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={fieldErrors.code}
            className="input-code"
            spellCheck={false}
          />
          <Button type="submit" size="lg" busy={busy} className="btn-block">
            {t('auth.verify')}
          </Button>
          <Button variant="text" onClick={() => setStep({ kind: 'credentials' })}>
            {t('auth.back')}
          </Button>
        </form>
      </AuthFrame>
    );
  }

  if (step.kind === 'enrol') {
    return (
      <AuthFrame title={t('auth.enrolTitle')}>
        <p className="lead">{t('auth.enrolLead')}</p>
        {errorBanner}
        <ol className="steps">
          <li>
            <h2>{t('auth.enrolStep1')}</h2>
            <div className="enrol-grid">
              <QrCode text={step.otpauthUri} label={t('auth.qrLabel')} size={184} />
              <dl className="kv kv-compact">
                <dt>{t('auth.secret')}</dt>
                <dd>
                  <code className="secret" data-testid="mfa-secret">
                    {step.secret}
                  </code>
                </dd>
                <dt>{t('auth.otpauthUri')}</dt>
                <dd>
                  <code className="uri">{step.otpauthUri}</code>
                </dd>
              </dl>
            </div>
          </li>
          <li>
            <h2>{t('auth.enrolStep2')}</h2>
            <form onSubmit={submitCode} noValidate className="form-stack">
              <TextField
                label={t('auth.totpCode')}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                support={t('auth.totpCodeSupport')}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={fieldErrors.code}
                className="input-code"
                maxLength={8}
              />
              <Button type="submit" size="lg" busy={busy} className="btn-block">
                {t('auth.enrolConfirm')}
              </Button>
            </form>
          </li>
        </ol>
      </AuthFrame>
    );
  }

  const text = step.codes.join('\n');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const download = () => {
    const blob = new Blob([`Mamori recovery codes (${step.user.username})\n\n${text}\n`], {
      type: 'text/plain',
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `mamori-recovery-codes-${step.user.username}.txt`;
    a.click();
    // Revoking at once can cancel the download in some browsers.
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <AuthFrame title={t('auth.recoveryTitle')}>
      <Banner kind="warning" title={t('auth.recoveryOnce')}>
        {t('auth.recoveryLead')}
      </Banner>
      <ul className="recovery-codes" aria-label={t('auth.recoveryTitle')}>
        {step.codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="button-row">
        <Button variant="outline" onClick={copy}>
          {t('common.copy')}
        </Button>
        <Button variant="outline" onClick={download}>
          {t('common.download')}
        </Button>
      </div>
      {copied ? (
        <p role="status" className="field-support">
          {t('common.copied')}
        </p>
      ) : (
        <p role="status" className="visually-hidden" />
      )}
      <Button size="lg" className="btn-block" onClick={() => onSignedIn(step.user)}>
        {t('auth.recoveryDone')}
      </Button>
    </AuthFrame>
  );
}
