// API tokens for machines: create (organization, permissions, expiry), see the secret once, revoke.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { ApiToken, Labelled, Me } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { DataTable } from '../components/DataTable.js';
import {
  CheckboxGroup,
  DateField,
  TextField,
  isCompleteDate,
  focusFirstInvalid,
} from '../components/Field.js';
import { PageHeader } from '../components/Layout.js';
import { OrgPicker } from '../components/OrgPicker.js';
import { useI18n } from '../i18n/i18n.js';

function defaultExpiry(): string {
  const d = new Date(Date.now() + 90 * 86400_000);
  return d.toISOString().slice(0, 10);
}

export function TokensScreen({ me }: { me: Me }) {
  const { t, locale, dateTime } = useI18n();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [perms, setPerms] = useState<Labelled[]>([]);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState(me.organization.id);
  const [selected, setSelected] = useState<string[]>([]);
  const [expiry, setExpiry] = useState(defaultExpiry);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [copied, setCopied] = useState(false);

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  const load = async () => {
    try {
      setTokens((await api.get<{ items: ApiToken[] }>('/tokens')).items);
    } catch (e) {
      setTokens([]);
      setNotice({ kind: 'error', text: msg(e) });
    }
  };
  useEffect(() => {
    void load();
    api
      .get<{ items: Labelled[] }>('/permissions')
      .then((r) => setPerms(r.items))
      .catch((e: unknown) => setNotice({ kind: 'error', text: msg(e) }));
  }, []);

  const permLabel = (id: string) => perms.find((p) => p.id === id)?.[locale] ?? id;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!name.trim()) fe.name = t('form.missing');
    if (selected.length === 0) fe.perms = t('token.permsMissing');
    const exp = new Date(`${expiry}T23:59:59+09:00`);
    if (!isCompleteDate(expiry)) fe.expiry = t('date.invalid');
    else if (exp.getTime() <= Date.now()) fe.expiry = t('token.expiryInvalid');
    setErrors(fe);
    if (Object.keys(fe).length) {
      focusFirstInvalid(e.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    setCopied(false);
    try {
      const r = await api.post<{ token: string; item: ApiToken }>('/tokens', {
        name: name.trim(),
        organizationId: orgId,
        permissions: selected,
        expiresAt: exp.toISOString(),
      });
      setCreated({ token: r.token, name: r.item.name });
      setNotice(null);
      setName('');
      setSelected([]);
      await load();
    } catch (err) {
      setNotice({ kind: 'error', text: msg(err) });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    const tok = revoking;
    setRevoking(null);
    if (!tok) return;
    try {
      await api.del(`/tokens/${encodeURIComponent(tok.id)}`);
      setNotice({ kind: 'success', text: t('token.revoked', { name: tok.name }) });
      setCreated(null);
      await load();
    } catch (err) {
      setNotice({ kind: 'error', text: msg(err) });
    }
  };

  const status = (k: ApiToken) => {
    if (k.revokedAt) return <span className="status-tag status-off">{t('token.statusRevoked')}</span>;
    if (k.expiresAt && new Date(k.expiresAt).getTime() < Date.now())
      return <span className="status-tag status-warn">{t('token.statusExpired')}</span>;
    return <span className="status-tag status-ok">{t('token.statusActive')}</span>;
  };

  return (
    <>
      <PageHeader title={t('token.title')} lead={t('token.lead')} />
      {notice ? (
        <Banner
          kind={notice.kind}
          title={notice.text}
          onClose={() => setNotice(null)}
          focus={notice.kind === 'error'}
        />
      ) : null}
      {created ? (
        <Banner
          kind="success"
          title={t('token.createdTitle', { name: created.name })}
          onClose={() => setCreated(null)}
          focus
        >
          <p>{t('token.createdOnce')}</p>
          <div className="secret-box">
            <code data-testid="new-token">{created.token}</code>
            <Button
              size="sm"
              variant="outline"
              onClick={() => {
                navigator.clipboard
                  .writeText(created.token)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false));
              }}
            >
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          </div>
        </Banner>
      ) : null}

      <section className="card" aria-labelledby="token-create-h">
        <h2 id="token-create-h" className="card-title">
          {t('token.createTitle')}
        </h2>
        <form onSubmit={create} noValidate className="form-grid">
          <TextField
            label={t('token.name')}
            name="tokenName"
            required
            support={t('token.nameSupport')}
            value={name}
            error={errors.name}
            onChange={(e) => setName(e.target.value)}
          />
          <DateField
            label={t('token.expiry')}
            name="expiry"
            required
            support={t('token.expirySupport')}
            value={expiry}
            error={errors.expiry}
            onChange={setExpiry}
          />
          <div className="form-span">
            <OrgPicker
              label={t('token.organization')}
              value={orgId}
              onChange={setOrgId}
              base={{ id: me.organization.id, name: me.organization.name, code: me.organization.code }}
            />
          </div>
          <div className="form-span">
            <CheckboxGroup
              label={t('token.permissions')}
              required
              support={t('token.permissionsSupport')}
              error={errors.perms}
              options={perms.map((p) => ({ value: p.id, label: p[locale], hint: p.id }))}
              value={selected}
              onChange={setSelected}
            />
          </div>
          <div className="form-actions form-span">
            <Button type="submit" busy={busy}>
              {t('token.createSubmit')}
            </Button>
          </div>
        </form>
      </section>

      <section className="card" aria-labelledby="token-list-h">
        <h2 id="token-list-h" className="card-title">
          {t('token.listTitle')}
        </h2>
        {tokens === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('token.listTitle')}
            rows={tokens}
            rowKey={(k) => k.id}
            empty={t('token.none')}
            initialSort={{ key: 'created', dir: 'desc' }}
            columns={[
              { key: 'name', header: t('token.name'), sortValue: (k) => k.name, render: (k) => k.name },
              {
                key: 'prefix',
                header: t('token.prefix'),
                render: (k) => <span className="mono">{k.prefix}…</span>,
              },
              {
                key: 'perms',
                header: t('token.permissions'),
                render: (k) => (
                  <ul className="tag-list">
                    {k.permissions.map((p) => (
                      <li key={p}>{permLabel(p)}</li>
                    ))}
                  </ul>
                ),
              },
              {
                key: 'created',
                className: 'nowrap',
                header: t('token.created'),
                sortValue: (k) => k.createdAt,
                render: (k) => dateTime(k.createdAt),
              },
              {
                key: 'expires',
                className: 'nowrap',
                header: t('token.expiry'),
                sortValue: (k) => k.expiresAt,
                render: (k) => dateTime(k.expiresAt),
              },
              {
                key: 'used',
                className: 'nowrap',
                header: t('token.lastUsed'),
                sortValue: (k) => k.lastUsedAt,
                render: (k) => dateTime(k.lastUsedAt),
              },
              {
                key: 'status',
                className: 'nowrap',
                header: t('token.status'),
                sortValue: (k) => (k.revokedAt ? 1 : 0),
                render: status,
              },
              {
                key: 'actions',
                header: t('common.actions'),
                render: (k) =>
                  k.revokedAt ? (
                    <span className="muted">—</span>
                  ) : (
                    <Button
                      size="xs"
                      variant="danger"
                      onClick={() => setRevoking(k)}
                      aria-label={t('token.revokeNamed', { name: k.name })}
                    >
                      {t('token.revoke')}
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </section>
      <ConfirmDialog
        open={revoking !== null}
        title={t('token.revokeTitle')}
        body={t('token.revokeBody', { name: revoking?.name ?? '' })}
        confirmLabel={t('token.revoke')}
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(null)}
      />
    </>
  );
}
