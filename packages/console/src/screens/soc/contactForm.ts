// The contact form's values and their checks, kept apart from the screen so the rules read in one place.
// They mirror the server's (packages/platform/src/soc/notify/contacts.ts, schedule.ts); the server decides.
import type { Locale } from '../../api/types.js';
import {
  WEEKDAYS,
  type ContactBody,
  type ContactRole,
  type SocContact,
  type SocSeverity,
  type Weekday,
} from '../../api/soc-admin-types.js';

export interface ContactValues {
  name: string;
  email: string;
  webhookUrl: string;
  /** Typed by the user only; the stored secret is never shown. '' = leave as it is. */
  webhookSecret: string;
  minSeverity: SocSeverity;
  days: Weekday[];
  hours: string;
  role: ContactRole;
  locale: Locale;
  enabled: boolean;
}

export const emptyContact = (): ContactValues => ({
  name: '',
  email: '',
  webhookUrl: '',
  webhookSecret: '',
  minSeverity: 'high',
  days: [...WEEKDAYS],
  hours: '00:00-24:00',
  role: 'staff',
  locale: 'ja',
  enabled: true,
});

export const contactValues = (c: SocContact): ContactValues => ({
  name: c.name,
  email: c.email ?? '',
  webhookUrl: c.webhookUrl ?? '',
  webhookSecret: '',
  minSeverity: c.minSeverity,
  days: WEEKDAYS.filter((d) => c.days.includes(d)),
  hours: c.hours,
  role: c.role,
  locale: c.locale,
  enabled: c.enabled,
});

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** Message keys of the socAdmin block (listed here, not imported: the pure tests run without JSX). */
export type ContactErrorKey =
  | 'socAdmin.err.name'
  | 'socAdmin.err.nameLong'
  | 'socAdmin.err.email'
  | 'socAdmin.err.webhookUrl'
  | 'socAdmin.err.webhookInternal'
  | 'socAdmin.err.secretMissing'
  | 'socAdmin.err.secretLength'
  | 'socAdmin.err.channel'
  | 'socAdmin.err.hours'
  | 'socAdmin.err.days'
  | 'socAdmin.err.role';

export type ContactErrors = Partial<Record<keyof ContactValues | 'channel', ContactErrorKey>>;

/** Field → message key for every problem found; empty when the values may be sent. */
export function checkContact(v: ContactValues, storedSecret: boolean): ContactErrors {
  const e: ContactErrors = {};
  if (!v.name.trim()) e.name = 'socAdmin.err.name';
  else if (v.name.trim().length > 100) e.name = 'socAdmin.err.nameLong';
  const email = v.email.trim();
  const hook = v.webhookUrl.trim();
  if (email && (!EMAIL.test(email) || email.length > 254)) e.email = 'socAdmin.err.email';
  if (hook) {
    let ok: boolean;
    try {
      const u = new URL(hook);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      ok = false;
    }
    if (!ok) e.webhookUrl = 'socAdmin.err.webhookUrl';
    else if (!v.webhookSecret && !storedSecret) e.webhookSecret = 'socAdmin.err.secretMissing';
  }
  if (v.webhookSecret && (v.webhookSecret.length < 16 || v.webhookSecret.length > 256))
    e.webhookSecret = 'socAdmin.err.secretLength';
  if (!email && !hook) e.channel = 'socAdmin.err.channel';
  const h = HOURS.exec(v.hours.trim());
  if (!h || (h[3] === '24' && h[4] !== '00')) e.hours = 'socAdmin.err.hours';
  if (v.days.length === 0) e.days = 'socAdmin.err.days';
  return e;
}

/** The request body: on edit, the secret is sent only when typed (or dropped with the webhook). */
export function contactBody(v: ContactValues, editing: boolean): ContactBody {
  const hook = v.webhookUrl.trim();
  const body: ContactBody = {
    name: v.name.trim(),
    email: v.email.trim() || null,
    webhookUrl: hook || null,
    minSeverity: v.minSeverity,
    days: WEEKDAYS.filter((d) => v.days.includes(d)),
    hours: v.hours.trim(),
    role: v.role,
    locale: v.locale,
    enabled: v.enabled,
  };
  if (!hook) body.webhookSecret = editing ? null : undefined;
  else if (v.webhookSecret) body.webhookSecret = v.webhookSecret;
  if (body.webhookSecret === undefined) delete body.webhookSecret;
  return body;
}

/** Roles a contact of an organization of this kind may have (the server refuses the others). */
export function rolesFor(kind: string | null): ContactRole[] {
  if (kind === 'prefecture' || kind === 'soc_operator') return ['staff', 'soc_lead'];
  if (kind === 'state') return ['staff', 'state'];
  return ['staff'];
}

/**
 * The server's refusals that belong to one field, in the user's language next to that field; null for the
 * others (shown as they come). Matched on the API's English reason (packages/platform/src/soc/notify).
 */
export function fieldOfRefusal(message: string): ContactErrors | null {
  if (/webhookUrl points at (this machine|an internal address)/.test(message))
    return { webhookUrl: 'socAdmin.err.webhookInternal' };
  if (/email is not an address/.test(message)) return { email: 'socAdmin.err.email' };
  if (/role soc_lead|role state/.test(message)) return { role: 'socAdmin.err.role' };
  if (/hours must be/.test(message)) return { hours: 'socAdmin.err.hours' };
  return null;
}
