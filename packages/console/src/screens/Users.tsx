// User management for administrators: list, create with a role, disable and enable.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { Labelled, Me, Page, User } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { DataTable } from '../components/DataTable.js';
import { SelectField, TextField, focusFirstInvalid } from '../components/Field.js';
import { PageHeader } from '../components/Layout.js';
import { OrgPicker } from '../components/OrgPicker.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';
import { ROLES } from '../roles.js';
import { StatusTag } from './OrgDetail.js';

const emptyForm = { username: '', displayName: '', email: '', role: 'municipality_staff', password: '' };

export function UsersScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [users, setUsers] = useState<User[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [roles, setRoles] = useState<Labelled[]>(ROLES.map((id) => ({ id, ja: id, en: id })));
  const [q, setQ] = useState('');
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [showForm, setShowForm] = useState(false);
  const [form, setForm] = useState(emptyForm);
  const [orgId, setOrgId] = useState(me.organization.id);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  const load = async (query = q) => {
    try {
      const r = await api.get<Page<User>>('/users', { q: query.trim() || undefined, limit: 100 });
      setUsers(r.items);
      setNext(r.nextCursor ?? null);
    } catch (e) {
      setUsers([]);
      setNotice({ kind: 'error', text: msg(e) });
    }
  };

  useEffect(() => {
    void load('');
    api
      .get<{ items: Labelled[] }>('/roles')
      .then((r) => r.items.length && setRoles(r.items))
      .catch(() => undefined);
    // first load only
  }, []);

  const more = async () => {
    if (!next) return;
    const r = await api.get<Page<User>>('/users', { q: q.trim() || undefined, limit: 100, cursor: next });
    setUsers((u) => [...(u ?? []), ...r.items]);
    setNext(r.nextCursor ?? null);
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!/^[a-zA-Z0-9._-]{3,64}$/.test(form.username)) fe.username = t('user.usernameInvalid');
    if (!form.displayName.trim()) fe.displayName = t('form.missing');
    if (!/^[^\s@]+@[^\s@]+$/.test(form.email)) fe.email = t('user.emailInvalid');
    if (form.password.length < 12) fe.password = t('user.passwordShort');
    setErrors(fe);
    if (Object.keys(fe).length) {
      focusFirstInvalid(e.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    try {
      const u = await api.post<User>('/users', {
        ...form,
        displayName: form.displayName.trim(),
        organizationId: orgId,
      });
      setNotice({ kind: 'success', text: t('user.created', { name: u.username }) });
      setForm(emptyForm);
      setShowForm(false);
      await load();
    } catch (err) {
      setNotice({ kind: 'error', text: msg(err) });
    } finally {
      setBusy(false);
    }
  };

  const setDisabled = async (u: User, disabled: boolean) => {
    try {
      await api.patch<User>(`/users/${encodeURIComponent(u.id)}`, { disabled });
      setNotice({
        kind: 'success',
        text: t(disabled ? 'user.disabledDone' : 'user.enabledDone', { name: u.username }),
      });
      await load();
    } catch (err) {
      setNotice({ kind: 'error', text: msg(err) });
    }
  };

  // The console's own catalogue names roles the same way everywhere; the server's labels cover roles it lacks.
  const roleLabel = (id: string) => {
    const key = `role.${id}` as MessageKey;
    const own = t(key);
    return own !== key ? own : (roles.find((x) => x.id === id)?.[locale] ?? id);
  };

  return (
    <>
      <PageHeader title={t('user.title')} lead={t('user.lead')}>
        <Button
          variant={showForm ? 'outline' : 'solid'}
          onClick={() => setShowForm((s) => !s)}
          aria-expanded={showForm}
          aria-controls="user-create"
        >
          {showForm ? t('common.cancel') : t('user.add')}
        </Button>
      </PageHeader>
      {notice ? (
        <Banner
          kind={notice.kind}
          title={notice.text}
          onClose={() => setNotice(null)}
          focus={notice.kind === 'error'}
        />
      ) : null}

      {showForm ? (
        <section className="card" id="user-create" aria-labelledby="user-create-h">
          <h2 id="user-create-h" className="card-title">
            {t('user.createTitle')}
          </h2>
          <form onSubmit={create} noValidate className="form-grid">
            <TextField
              label={t('user.username')}
              name="username"
              required
              autoComplete="off"
              support={t('user.usernameSupport')}
              value={form.username}
              error={errors.username}
              onChange={(e) => setForm({ ...form, username: e.target.value })}
            />
            <TextField
              label={t('user.displayName')}
              name="displayName"
              required
              value={form.displayName}
              error={errors.displayName}
              onChange={(e) => setForm({ ...form, displayName: e.target.value })}
            />
            <TextField
              label={t('user.email')}
              name="email"
              type="email"
              required
              value={form.email}
              error={errors.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
            <SelectField
              label={t('user.role')}
              name="role"
              required
              support={t('user.roleSupport')}
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.target.value })}
              options={roles.map((r) => ({ value: r.id, label: roleLabel(r.id) }))}
            />
            <div className="form-span">
              <OrgPicker
                label={t('user.organization')}
                value={orgId}
                onChange={setOrgId}
                base={{ id: me.organization.id, name: me.organization.name, code: me.organization.code }}
              />
            </div>
            <TextField
              label={t('user.initialPassword')}
              name="password"
              type="password"
              autoComplete="new-password"
              required
              support={t('user.passwordSupport')}
              value={form.password}
              error={errors.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
            <div className="form-actions form-span">
              <Button type="submit" busy={busy}>
                {t('user.createSubmit')}
              </Button>
              <Button variant="text" onClick={() => setShowForm(false)}>
                {t('common.cancel')}
              </Button>
            </div>
          </form>
        </section>
      ) : null}

      <section className="card" aria-labelledby="user-list-h">
        <div className="card-head">
          <h2 id="user-list-h" className="card-title">
            {t('user.listTitle')}
          </h2>
          <form
            role="search"
            className="inline-search"
            onSubmit={(e) => {
              e.preventDefault();
              void load();
            }}
          >
            <label htmlFor="user-q" className="visually-hidden">
              {t('user.searchLabel')}
            </label>
            <input
              id="user-q"
              className="input input-sm"
              type="search"
              placeholder={t('user.searchLabel')}
              value={q}
              onChange={(e) => setQ(e.target.value)}
            />
            <Button type="submit" variant="outline" size="sm">
              {t('common.search')}
            </Button>
          </form>
        </div>
        {users === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('user.listTitle')}
            rows={users}
            rowKey={(u) => u.id}
            empty={t('user.none')}
            initialSort={{ key: 'username', dir: 'asc' }}
            columns={[
              {
                key: 'username',
                header: t('user.username'),
                sortValue: (u) => u.username,
                render: (u) => <span className="mono">{u.username}</span>,
              },
              {
                key: 'name',
                header: t('user.displayName'),
                sortValue: (u) => u.displayName,
                render: (u) => u.displayName,
              },
              {
                key: 'org',
                header: t('user.organization'),
                sortValue: (u) => u.organizationName,
                render: (u) => u.organizationName,
              },
              {
                key: 'role',
                header: t('user.role'),
                sortValue: (u) => u.role,
                render: (u) => roleLabel(u.role),
              },
              {
                key: 'mfa',
                className: 'nowrap',
                header: t('user.mfa'),
                sortValue: (u) => (u.mfaEnrolled ? 0 : 1),
                render: (u) => <StatusTag ok={u.mfaEnrolled} yes={t('user.mfaOn')} no={t('user.mfaOff')} />,
              },
              {
                key: 'status',
                className: 'nowrap',
                header: t('user.status'),
                sortValue: (u) => (u.disabled ? 1 : 0),
                render: (u) => <StatusTag ok={!u.disabled} yes={t('user.active')} no={t('user.disabled')} />,
              },
              {
                key: 'last',
                className: 'nowrap',
                header: t('user.lastLogin'),
                sortValue: (u) => u.lastLoginAt,
                render: (u) => dateTime(u.lastLoginAt),
              },
              {
                key: 'actions',
                header: t('common.actions'),
                render: (u) =>
                  u.id === me.id ? (
                    <span className="muted">{t('user.self')}</span>
                  ) : (
                    <Button
                      size="xs"
                      variant={u.disabled ? 'outline' : 'danger'}
                      onClick={() => void setDisabled(u, !u.disabled)}
                      aria-label={t(u.disabled ? 'user.enableNamed' : 'user.disableNamed', {
                        name: u.username,
                      })}
                    >
                      {t(u.disabled ? 'user.enable' : 'user.disable')}
                    </Button>
                  ),
              },
            ]}
          />
        )}
        {next ? (
          <Button variant="outline" size="sm" onClick={() => void more()}>
            {t('common.loadMore')}
          </Button>
        ) : null}
      </section>
    </>
  );
}
