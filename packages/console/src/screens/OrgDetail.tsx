// Organization detail: identity, place in the hierarchy, sub-units and the accounts that belong to it.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { Me, Organization, OrganizationDetail, Page, User } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { SelectField, TextField } from '../components/Field.js';
import { DataTable } from '../components/DataTable.js';
import { PageHeader } from '../components/Layout.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { canManageOrgs } from '../roles.js';
import { kindLabel } from './OrgTree.js';

export function OrgDetailScreen({ id, me }: { id: string; me: Me }) {
  const { t, locale } = useI18n();
  const [reload, setReload] = useState(0);
  const shownId = useRef<string | null>(null);
  const [org, setOrg] = useState<OrganizationDetail | null>(null);
  const [kids, setKids] = useState<Organization[]>([]);
  const [users, setUsers] = useState<User[] | null>(null);
  const [usersNote, setUsersNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    // A reload after adding a body keeps the page (and the form's confirmation) in place.
    if (shownId.current !== id) {
      shownId.current = id;
      setOrg(null);
      setUsers(null);
    }
    setError(null);
    setUsersNote(null);
    const enc = encodeURIComponent(id);
    api
      .get<OrganizationDetail>(`/organizations/${enc}`)
      .then(async (o) => {
        if (!live) return;
        setOrg(o);
        if (o.childCount > 0) {
          const c = await api.get<{ items: Organization[] }>(`/organizations/${enc}/children`);
          if (live) setKids(c.items);
        } else setKids([]);
      })
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.localized(locale) : String(e)));
    api
      .get<Page<User>>('/users', { organizationId: id, limit: 200 })
      .then((r) => live && setUsers(r.items))
      .catch((e: unknown) => {
        if (!live) return;
        setUsers([]);
        setUsersNote(
          e instanceof ApiError && e.status === 403
            ? t('org.usersForbidden')
            : e instanceof ApiError
              ? e.localized(locale)
              : String(e),
        );
      });
    return () => {
      live = false;
    };
  }, [id, reload]);

  const ancestors = org ? org.path.filter((p) => p.id !== org.id) : [];
  // One heading element for loading, error and loaded states, so focus placed on it by the route change stays.
  return (
    <>
      {org ? (
        <nav aria-label={t('org.breadcrumb')} className="breadcrumb">
          <ol>
            <li>
              <Link href="/orgs">{t('nav.orgs')}</Link>
            </li>
            {ancestors.map((p) => (
              <li key={p.id}>
                <Link href={`/orgs/${encodeURIComponent(p.id)}`}>{p.name}</Link>
              </li>
            ))}
            <li aria-current="page">{org.name}</li>
          </ol>
        </nav>
      ) : null}
      <PageHeader title={org?.name ?? t('org.detailTitle')} lead={org?.nameKana}>
        {org ? (
          <span className={`kind-tag kind-${org.kind} kind-tag-lg`}>{kindLabel(t, org.kind)}</span>
        ) : null}
      </PageHeader>
      {error ? (
        <>
          <Banner kind="error" title={error} />
          <p>
            <Link href="/orgs">{t('org.backToTree')}</Link>
          </p>
        </>
      ) : null}
      {!org ? (
        error ? null : (
          <p>{t('common.loading')}</p>
        )
      ) : (
        <>
          <OrgBody org={org} ancestors={ancestors} kids={kids} users={users} usersNote={usersNote} />
          {canManageOrgs(me.role) && org.kind !== 'ward' ? (
            <AddBodyForm parent={org} onCreated={() => setReload((n) => n + 1)} />
          ) : null}
        </>
      )}
    </>
  );
}

function OrgBody({
  org,
  ancestors,
  kids,
  users,
  usersNote,
}: {
  org: OrganizationDetail;
  ancestors: Organization[];
  kids: Organization[];
  users: User[] | null;
  usersNote: string | null;
}) {
  const { t, dateTime } = useI18n();
  return (
    <>
      <section className="card" aria-labelledby="org-basic-h">
        <h2 id="org-basic-h" className="card-title">
          {t('org.basic')}
        </h2>
        <dl className="kv kv-grid">
          <dt>{t('org.code')}</dt>
          <dd className="mono" data-testid="org-code">
            {org.code ?? '—'}
          </dd>
          <dt>{t('org.kind')}</dt>
          <dd>{kindLabel(t, org.kind)}</dd>
          <dt>{t('org.kana')}</dt>
          <dd>{org.nameKana || '—'}</dd>
          <dt>{t('org.parent')}</dt>
          <dd>
            {org.parent ? (
              <Link href={`/orgs/${encodeURIComponent(org.parent.id)}`}>{org.parent.name}</Link>
            ) : (
              '—'
            )}
          </dd>
          <dt>{t('org.path')}</dt>
          <dd>{[...ancestors.map((p) => p.name), org.name].join(' › ')}</dd>
          <dt>{t('org.prefectureCode')}</dt>
          <dd className="mono">{org.prefectureCode ?? '—'}</dd>
          <dt>{t('org.children')}</dt>
          <dd>{org.childCount}</dd>
          <dt>{t('org.userCount')}</dt>
          <dd>{org.userCount}</dd>
          <dt>{t('org.id')}</dt>
          <dd className="mono">{org.id}</dd>
        </dl>
      </section>

      {org.childCount > 0 ? (
        <section className="card" aria-labelledby="org-kids-h">
          <h2 id="org-kids-h" className="card-title">
            {t('org.childrenTitle', { n: org.childCount })}
          </h2>
          <DataTable
            caption={t('org.childrenTitle', { n: org.childCount })}
            rows={kids}
            rowKey={(o) => o.id}
            empty={t('common.none')}
            initialSort={{ key: 'code', dir: 'asc' }}
            columns={[
              {
                key: 'code',
                header: t('org.code'),
                sortValue: (o) => o.code,
                render: (o) => <span className="mono">{o.code ?? '—'}</span>,
              },
              {
                key: 'name',
                header: t('org.name'),
                sortValue: (o) => o.nameKana || o.name,
                render: (o) => <Link href={`/orgs/${encodeURIComponent(o.id)}`}>{o.name}</Link>,
              },
              { key: 'kana', header: t('org.kana'), sortValue: (o) => o.nameKana, render: (o) => o.nameKana },
              {
                key: 'kind',
                header: t('org.kind'),
                sortValue: (o) => o.kind,
                render: (o) => <span className={`kind-tag kind-${o.kind}`}>{kindLabel(t, o.kind)}</span>,
              },
              {
                key: 'sub',
                header: t('org.children'),
                numeric: true,
                sortValue: (o) => o.childCount,
                render: (o) => o.childCount,
              },
            ]}
          />
        </section>
      ) : null}

      <section className="card" aria-labelledby="org-users-h">
        <h2 id="org-users-h" className="card-title">
          {t('org.usersTitle')}
        </h2>
        {usersNote ? <Banner kind="info" title={usersNote} /> : null}
        {users === null ? (
          <p>{t('common.loading')}</p>
        ) : usersNote ? null : (
          <DataTable
            caption={t('org.usersTitle')}
            rows={users}
            rowKey={(u) => u.id}
            empty={t('org.noUsers')}
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
                key: 'role',
                header: t('user.role'),
                sortValue: (u) => u.role,
                render: (u) => t(`role.${u.role}` as MessageKey),
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
            ]}
          />
        )}
      </section>
    </>
  );
}

export function StatusTag({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return <span className={`status-tag ${ok ? 'status-ok' : 'status-off'}`}>{ok ? yes : no}</span>;
}

const BODY_KINDS = ['association', 'soc_operator', 'other'] as const;

/** Adds a body that is not a local government (一部事務組合・広域連合, security-cloud operator, …) under this one. */
function AddBodyForm({ parent, onCreated }: { parent: OrganizationDetail; onCreated: () => void }) {
  const { t, locale } = useI18n();
  const [name, setName] = useState('');
  const [kana, setKana] = useState('');
  const [kind, setKind] = useState<(typeof BODY_KINDS)[number]>('association');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!name.trim()) fe.name = t('form.missing');
    if (!kana.trim()) fe.kana = t('form.missing');
    setErrors(fe);
    if (Object.keys(fe).length) return;
    setBusy(true);
    try {
      const o = await api.post<Organization>('/organizations', {
        name: name.trim(),
        nameKana: kana.trim(),
        kind,
        parentId: parent.id,
      });
      setNotice({ kind: 'success', text: t('org.bodyCreated', { name: o.name }) });
      setName('');
      setKana('');
      onCreated();
    } catch (err) {
      setNotice({ kind: 'error', text: err instanceof ApiError ? err.localized(locale) : String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="org-add-h">
      <h2 id="org-add-h" className="card-title">
        {t('org.addBodyTitle', { name: parent.name })}
      </h2>
      <p className="field-support">{t('org.addBodyLead')}</p>
      {notice ? <Banner kind={notice.kind} title={notice.text} onClose={() => setNotice(null)} /> : null}
      <form onSubmit={submit} noValidate className="form-grid">
        <TextField
          label={t('org.name')}
          name="bodyName"
          required
          support={t('org.bodyNameSupport')}
          value={name}
          error={errors.name}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label={t('org.kana')}
          name="bodyKana"
          required
          support={t('org.bodyKanaSupport')}
          value={kana}
          error={errors.kana}
          onChange={(e) => setKana(e.target.value)}
        />
        <SelectField
          label={t('org.kind')}
          name="bodyKind"
          required
          value={kind}
          onChange={(e) => setKind(e.target.value as (typeof BODY_KINDS)[number])}
          options={BODY_KINDS.map((k) => ({ value: k, label: kindLabel(t, k) }))}
        />
        <div className="form-actions form-span">
          <Button type="submit" variant="outline" busy={busy}>
            {t('org.addBodySubmit')}
          </Button>
        </div>
      </form>
    </section>
  );
}
