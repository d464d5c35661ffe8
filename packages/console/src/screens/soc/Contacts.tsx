// Notification contacts per organization: who is told about which alerts, when, by email or a signed webhook;
// with the escalation chain (staff → prefecture SOC lead → state) and the acknowledgement deadlines.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, OrgKind, OrganizationDetail } from '../../api/types.js';
import {
  CONTACT_ROLES,
  SOC_SEVERITIES,
  WEEKDAYS,
  type AckDeadlines,
  type SocContact,
} from '../../api/soc-admin-types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { DataTable } from '../../components/DataTable.js';
import { CheckboxGroup, SelectField, TextField, focusFirstInvalid } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { ScopePicker, SeverityTag } from './common.js';
import {
  checkContact,
  contactBody,
  contactValues,
  emptyContact,
  fieldOfRefusal,
  rolesFor,
  type ContactErrors,
  type ContactValues,
} from './contactForm.js';
import { EscalationGuide } from './EscalationGuide.js';
import './socAdmin.css';

export function ContactsScreen({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const [orgId, setOrgId] = useState(me.organization.id);
  const [rows, setRows] = useState<SocContact[] | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [editing, setEditing] = useState<SocContact | null>(null);
  const [values, setValues] = useState<ContactValues>(emptyContact);
  const [errors, setErrors] = useState<ContactErrors>({});
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<SocContact | null>(null);
  const [ackMinutes, setAckMinutes] = useState<AckDeadlines | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [orgKind, setOrgKind] = useState<OrgKind | null>(me.organization.kind);

  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));
  // The organization whose list is wanted now: an answer for one chosen earlier arrives too late to show.
  const shown = useRef(orgId);
  const load = async (org: string) => {
    try {
      const r = await api.get<{ items: SocContact[]; ackMinutes: AckDeadlines }>('/soc/contacts', {
        organizationId: org,
      });
      if (shown.current !== org) return;
      setRows(r.items);
      setAckMinutes(r.ackMinutes);
    } catch (e) {
      if (shown.current !== org) return;
      setRows([]);
      setNotice({ kind: 'error', text: msg(e) });
    }
  };
  useEffect(() => {
    shown.current = orgId;
    setRows(null);
    startAdd();
    void load(orgId);
    // The roles a contact may have depend on the organization's kind.
    if (orgId === me.organization.id) setOrgKind(me.organization.kind);
    else {
      setOrgKind(null);
      api
        .get<OrganizationDetail>(`/organizations/${encodeURIComponent(orgId)}`)
        .then((o) => shown.current === orgId && setOrgKind(o.kind))
        .catch(() => shown.current === orgId && setOrgKind(null));
    }
  }, [orgId]);

  const set = <K extends keyof ContactValues>(k: K, v: ContactValues[K]) =>
    setValues((x) => ({ ...x, [k]: v }));
  const err = (k: keyof ContactErrors) => (errors[k] ? t(errors[k]) : null);

  function startAdd() {
    setEditing(null);
    setValues(emptyContact());
    setErrors({});
  }
  const startEdit = (c: SocContact) => {
    setEditing(c);
    setValues(contactValues(c));
    setErrors({});
    setNotice(null);
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('input')?.focus());
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = checkContact(values, editing?.hasWebhookSecret ?? false);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setBusy(true);
    try {
      if (editing) {
        await api.patch<SocContact>(
          `/soc/contacts/${encodeURIComponent(editing.id)}`,
          contactBody(values, true),
        );
        setNotice({ kind: 'success', text: t('socAdmin.contacts.updated', { name: values.name.trim() }) });
      } else {
        await api.post<SocContact>('/soc/contacts', { ...contactBody(values, false), organizationId: orgId });
        setNotice({ kind: 'success', text: t('socAdmin.contacts.created', { name: values.name.trim() }) });
      }
      startAdd();
      await load(orgId);
    } catch (er) {
      const field = er instanceof ApiError && er.status === 400 ? fieldOfRefusal(er.message) : null;
      if (field) {
        setErrors(field);
        focusFirstInvalid(formRef.current);
      } else setNotice({ kind: 'error', text: msg(er) });
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    const c = removing;
    setRemoving(null);
    if (!c) return;
    try {
      await api.del(`/soc/contacts/${encodeURIComponent(c.id)}`);
      setNotice({ kind: 'success', text: t('socAdmin.contacts.deleted', { name: c.name }) });
      if (editing?.id === c.id) startAdd();
      await load(orgId);
    } catch (er) {
      setNotice({ kind: 'error', text: msg(er) });
    }
  };

  const dayLabel = (d: string) => t(`socAdmin.day.${d}` as MessageKey);
  const days = (list: string[]) =>
    list.length === 7
      ? t('socAdmin.day.every')
      : WEEKDAYS.filter((d) => list.includes(d))
          .map(dayLabel)
          .join('・');
  const roles = CONTACT_ROLES.filter((r) => rolesFor(orgKind).includes(r) || r === values.role);
  const secretSupport = editing?.hasWebhookSecret
    ? t('socAdmin.field.secretStored')
    : t('socAdmin.field.secretSupport');

  return (
    <>
      <PageHeader title={t('socAdmin.contacts.title')} lead={t('socAdmin.contacts.lead')} />
      {notice ? (
        <Banner
          kind={notice.kind}
          title={notice.text}
          onClose={() => setNotice(null)}
          focus={notice.kind === 'error'}
        />
      ) : null}
      <section className="card" aria-labelledby="soc-contacts-scope-h">
        <h2 id="soc-contacts-scope-h" className="card-title">
          {t('socAdmin.contacts.scope')}
        </h2>
        <div className="form-grid">
          <ScopePicker me={me} value={orgId} onChange={setOrgId} />
        </div>
      </section>

      <section className="card" aria-labelledby="soc-contacts-list-h">
        <h2 id="soc-contacts-list-h" className="card-title">
          {t('socAdmin.contacts.list')}
        </h2>
        {rows === null ? (
          <p>{t('common.loading')}</p>
        ) : (
          <DataTable
            caption={t('socAdmin.contacts.list')}
            rows={rows}
            rowKey={(c) => c.id}
            empty={t('socAdmin.contacts.none')}
            initialSort={{ key: 'name', dir: 'asc' }}
            columns={[
              {
                key: 'name',
                header: t('socAdmin.contacts.nameRole'),
                sortValue: (c) => c.name,
                render: (c) => (
                  <>
                    <strong>{c.name}</strong>
                    <br />
                    <span className="muted">{t(`socAdmin.role.${c.role}` as MessageKey)}</span>
                  </>
                ),
              },
              {
                key: 'channels',
                header: t('socAdmin.contacts.channels'),
                render: (c) => (
                  <ul className="soc-contact-channels">
                    {c.email ? <li className="mono">{c.email}</li> : null}
                    {c.webhookUrl ? (
                      <li>
                        <span className="mono">{c.webhookUrl}</span>
                        <br />
                        <span className="muted">
                          {c.hasWebhookSecret
                            ? t('socAdmin.contacts.secretSet')
                            : t('socAdmin.contacts.secretNone')}
                        </span>
                      </li>
                    ) : null}
                  </ul>
                ),
              },
              {
                key: 'severity',
                header: t('socAdmin.field.severity'),
                sortValue: (c) => SOC_SEVERITIES.indexOf(c.minSeverity),
                render: (c) => (
                  <>
                    <SeverityTag severity={c.minSeverity} /> {t('socAdmin.contacts.andAbove')}
                  </>
                ),
              },
              {
                key: 'when',
                header: t('socAdmin.contacts.when'),
                className: 'nowrap',
                render: (c) => (
                  <>
                    {days(c.days)}
                    <br />
                    <span className="mono">{c.hours}</span>
                  </>
                ),
              },
              {
                key: 'locale',
                header: t('socAdmin.field.locale'),
                render: (c) => t(c.locale === 'en' ? 'socAdmin.locale.en' : 'socAdmin.locale.ja'),
              },
              {
                key: 'enabled',
                header: t('socAdmin.field.enabled'),
                render: (c) =>
                  c.enabled ? (
                    <span className="status-tag status-ok">{t('socAdmin.contacts.on')}</span>
                  ) : (
                    <span className="status-tag status-off">{t('socAdmin.contacts.off')}</span>
                  ),
              },
              {
                key: 'actions',
                header: t('socAdmin.contacts.actions'),
                render: (c) => (
                  <div className="soc-contact-actions">
                    <Button
                      size="xs"
                      variant="outline"
                      onClick={() => startEdit(c)}
                      aria-label={t('socAdmin.contacts.editOf', { name: c.name })}
                    >
                      {t('socAdmin.contacts.edit')}
                    </Button>
                    <Button
                      size="xs"
                      variant="text"
                      onClick={() => setRemoving(c)}
                      aria-label={t('socAdmin.contacts.deleteOf', { name: c.name })}
                    >
                      {t('socAdmin.contacts.delete')}
                    </Button>
                  </div>
                ),
              },
            ]}
          />
        )}
      </section>

      <section className="card" aria-labelledby="soc-contact-form-h">
        <h2 id="soc-contact-form-h" className="card-title">
          {editing
            ? t('socAdmin.contacts.editTitle', { name: editing.name })
            : t('socAdmin.contacts.addTitle')}
        </h2>
        {errors.channel ? <Banner kind="error" title={t(errors.channel)} /> : null}
        <form ref={formRef} onSubmit={submit} noValidate className="form-grid">
          <TextField
            label={t('socAdmin.field.name')}
            name="contactName"
            required
            maxLength={100}
            value={values.name}
            error={err('name')}
            onChange={(e) => set('name', e.target.value)}
          />
          <TextField
            label={t('socAdmin.field.email')}
            name="contactEmail"
            type="email"
            autoComplete="off"
            support={t('socAdmin.field.emailSupport')}
            value={values.email}
            error={err('email')}
            onChange={(e) => set('email', e.target.value)}
          />
          <TextField
            label={t('socAdmin.field.webhookUrl')}
            name="contactWebhook"
            type="url"
            autoComplete="off"
            support={t('socAdmin.field.webhookSupport')}
            value={values.webhookUrl}
            error={err('webhookUrl')}
            onChange={(e) => set('webhookUrl', e.target.value)}
          />
          <TextField
            label={editing?.hasWebhookSecret ? t('socAdmin.field.secretReplace') : t('socAdmin.field.secret')}
            name="contactSecret"
            type="password"
            autoComplete="new-password"
            support={secretSupport}
            value={values.webhookSecret}
            error={err('webhookSecret')}
            onChange={(e) => set('webhookSecret', e.target.value)}
          />
          <SelectField
            label={t('socAdmin.field.minSeverity')}
            name="contactSeverity"
            required
            support={t('socAdmin.field.minSeveritySupport')}
            value={values.minSeverity}
            onChange={(e) => set('minSeverity', e.target.value as ContactValues['minSeverity'])}
            options={SOC_SEVERITIES.map((s) => ({ value: s, label: t(`soc.sev.${s}` as MessageKey) }))}
          />
          <TextField
            label={t('socAdmin.field.hours')}
            name="contactHours"
            required
            inputMode="numeric"
            support={t('socAdmin.field.hoursSupport')}
            value={values.hours}
            error={err('hours')}
            onChange={(e) => set('hours', e.target.value)}
          />
          <div className="form-span">
            <CheckboxGroup
              label={t('socAdmin.field.days')}
              required
              error={err('days')}
              options={WEEKDAYS.map((d) => ({ value: d, label: dayLabel(d) }))}
              value={values.days}
              onChange={(v) =>
                set(
                  'days',
                  WEEKDAYS.filter((d) => v.includes(d)),
                )
              }
            />
          </div>
          <SelectField
            label={t('socAdmin.field.role')}
            name="contactRole"
            required
            support={t('socAdmin.field.roleSupport')}
            value={values.role}
            error={err('role')}
            onChange={(e) => set('role', e.target.value as ContactValues['role'])}
            options={roles.map((r) => ({ value: r, label: t(`socAdmin.role.${r}` as MessageKey) }))}
          />
          <SelectField
            label={t('socAdmin.field.locale')}
            name="contactLocale"
            required
            value={values.locale}
            onChange={(e) => set('locale', e.target.value === 'en' ? 'en' : 'ja')}
            options={[
              { value: 'ja', label: t('socAdmin.locale.ja') },
              { value: 'en', label: t('socAdmin.locale.en') },
            ]}
          />
          <div className="form-span">
            <CheckboxGroup
              label={t('socAdmin.field.enabled')}
              options={[{ value: 'on', label: t('socAdmin.field.enabledLabel') }]}
              value={values.enabled ? ['on'] : []}
              onChange={(v) => set('enabled', v.includes('on'))}
            />
          </div>
          <div className="form-actions form-span button-row">
            <Button type="submit" busy={busy}>
              {editing ? t('socAdmin.contacts.save') : t('socAdmin.contacts.add')}
            </Button>
            {editing ? (
              <Button variant="outline" onClick={startAdd}>
                {t('common.cancel')}
              </Button>
            ) : null}
          </div>
        </form>
      </section>

      <EscalationGuide ackMinutes={ackMinutes} />

      <ConfirmDialog
        open={removing !== null}
        title={t('socAdmin.contacts.deleteTitle')}
        body={t('socAdmin.contacts.deleteBody', { name: removing?.name ?? '' })}
        confirmLabel={t('socAdmin.contacts.delete')}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      />
    </>
  );
}
