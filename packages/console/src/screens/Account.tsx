// My account: display name, language, password change and MFA status.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { Locale, Me } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { SelectField, TextField } from '../components/Field.js';
import { PageHeader } from '../components/Layout.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';
import { StatusTag } from './OrgDetail.js';

export function AccountScreen({ me, onChange }: { me: Me; onChange: (me: Me) => void }) {
  const { t, locale, setLocale } = useI18n();
  const [displayName, setDisplayName] = useState(me.displayName);
  const [lang, setLang] = useState<Locale>(locale);
  // The header switch changes the language too; keep the form showing the language in use.
  useEffect(() => setLang(locale), [locale]);
  const [profileNote, setProfileNote] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [pw, setPw] = useState({ current: '', next: '', confirm: '' });
  const [pwErrors, setPwErrors] = useState<Record<string, string>>({});
  const [pwNote, setPwNote] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<'profile' | 'password' | null>(null);

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  const saveProfile = async (e: FormEvent) => {
    e.preventDefault();
    if (!displayName.trim()) {
      setProfileNote({ kind: 'error', text: t('account.nameMissing') });
      return;
    }
    setBusy('profile');
    try {
      const updated = await api.patch<Me>('/me', { displayName: displayName.trim(), locale: lang });
      onChange(updated);
      setLocale(lang);
      setProfileNote({ kind: 'success', text: t('account.saved') });
    } catch (err) {
      setProfileNote({ kind: 'error', text: msg(err) });
    } finally {
      setBusy(null);
    }
  };

  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!pw.current) fe.current = t('form.missing');
    if (pw.next.length < 12) fe.next = t('user.passwordShort');
    if (pw.next !== pw.confirm) fe.confirm = t('account.passwordMismatch');
    setPwErrors(fe);
    if (Object.keys(fe).length) return;
    setBusy('password');
    try {
      await api.post('/me/password', { currentPassword: pw.current, newPassword: pw.next });
      setPw({ current: '', next: '', confirm: '' });
      setPwNote({ kind: 'success', text: t('account.passwordChanged') });
    } catch (err) {
      setPwNote({ kind: 'error', text: msg(err) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader title={t('account.title')} lead={t('account.lead')} />
      <div className="two-col">
        <section className="card" aria-labelledby="acct-profile-h">
          <h2 id="acct-profile-h" className="card-title">
            {t('account.profile')}
          </h2>
          <dl className="kv">
            <dt>{t('user.username')}</dt>
            <dd className="mono">{me.username}</dd>
            <dt>{t('user.organization')}</dt>
            <dd>{me.organization.name}</dd>
            <dt>{t('user.role')}</dt>
            <dd>{t(`role.${me.role}` as MessageKey)}</dd>
            <dt>{t('user.email')}</dt>
            <dd>{me.email || '—'}</dd>
          </dl>
          {profileNote ? (
            <Banner kind={profileNote.kind} title={profileNote.text} onClose={() => setProfileNote(null)} />
          ) : null}
          <form onSubmit={saveProfile} noValidate className="form-stack">
            <TextField
              label={t('user.displayName')}
              name="displayName"
              required
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
            <SelectField
              label={t('account.language')}
              name="locale"
              support={t('account.languageSupport')}
              value={lang}
              onChange={(e) => setLang(e.target.value === 'en' ? 'en' : 'ja')}
              options={[
                { value: 'ja', label: '日本語' },
                { value: 'en', label: 'English' },
              ]}
            />
            <div>
              <Button type="submit" busy={busy === 'profile'}>
                {t('common.save')}
              </Button>
            </div>
          </form>
        </section>
        <div className="stack">
          <section className="card" aria-labelledby="acct-mfa-h">
            <h2 id="acct-mfa-h" className="card-title">
              {t('account.mfa')}
            </h2>
            <p>
              <StatusTag ok={me.mfaEnrolled} yes={t('account.mfaOn')} no={t('account.mfaOff')} />
            </p>
            <p className="field-support">{t('account.mfaHelp')}</p>
          </section>
          <section className="card" aria-labelledby="acct-pw-h">
            <h2 id="acct-pw-h" className="card-title">
              {t('account.password')}
            </h2>
            {pwNote ? (
              <Banner kind={pwNote.kind} title={pwNote.text} onClose={() => setPwNote(null)} />
            ) : null}
            <form onSubmit={changePassword} noValidate className="form-stack">
              <TextField
                label={t('account.currentPassword')}
                type="password"
                autoComplete="current-password"
                required
                value={pw.current}
                error={pwErrors.current}
                onChange={(e) => setPw({ ...pw, current: e.target.value })}
              />
              <TextField
                label={t('account.newPassword')}
                type="password"
                autoComplete="new-password"
                required
                support={t('account.newPasswordSupport')}
                value={pw.next}
                error={pwErrors.next}
                onChange={(e) => setPw({ ...pw, next: e.target.value })}
              />
              <TextField
                label={t('account.confirmPassword')}
                type="password"
                autoComplete="new-password"
                required
                value={pw.confirm}
                error={pwErrors.confirm}
                onChange={(e) => setPw({ ...pw, confirm: e.target.value })}
              />
              <div>
                <Button type="submit" busy={busy === 'password'}>
                  {t('account.changePassword')}
                </Button>
              </div>
            </form>
          </section>
        </div>
      </div>
    </>
  );
}
