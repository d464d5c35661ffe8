// The contact form's checks and request bodies (packages/console/src/screens/soc/contactForm.ts): what the
// browser test drives through the page, here case by case, including the write-only webhook secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkContact,
  contactBody,
  contactValues,
  emptyContact,
  fieldOfRefusal,
  rolesFor,
} from '../src/screens/soc/contactForm.js';
import type { SocContact } from '../src/api/soc-admin-types.js';

const good = { ...emptyContact(), name: '沼津市 情報政策課', email: 'joho@city.numazu.example.lg.jp' };

test('a complete contact passes; each bad field is named', () => {
  assert.deepEqual(checkContact(good, false), {});
  assert.deepEqual(checkContact({ ...good, name: '  ' }, false), { name: 'socAdmin.err.name' });
  assert.deepEqual(checkContact({ ...good, email: 'joho at numazu' }, false), {
    email: 'socAdmin.err.email',
  });
  assert.deepEqual(checkContact({ ...good, email: '' }, false), { channel: 'socAdmin.err.channel' });
  assert.deepEqual(checkContact({ ...good, days: [] }, false), { days: 'socAdmin.err.days' });
  for (const hours of ['25:00-26:00', '08:30-1715', '24:00-06:00', '22:00-24:30', '8:30-17:15'])
    assert.deepEqual(checkContact({ ...good, hours }, false), { hours: 'socAdmin.err.hours' }, hours);
  for (const hours of ['08:30-17:15', '22:00-06:00', '00:00-24:00'])
    assert.deepEqual(checkContact({ ...good, hours }, false), {}, hours);
});

test('a webhook needs an http(s) URL without credentials and a 16+ character secret unless one is stored', () => {
  const hook = { ...good, webhookUrl: 'https://hooks.example.jp/mamori' };
  assert.deepEqual(checkContact(hook, false), { webhookSecret: 'socAdmin.err.secretMissing' });
  assert.deepEqual(checkContact(hook, true), {}, 'a stored secret is kept');
  assert.deepEqual(checkContact({ ...hook, webhookSecret: 'short' }, true), {
    webhookSecret: 'socAdmin.err.secretLength',
  });
  assert.deepEqual(checkContact({ ...hook, webhookSecret: 'x'.repeat(16) }, false), {});
  for (const url of ['ftp://hooks.example.jp/x', 'hooks.example.jp', 'https://u:p@hooks.example.jp/'])
    assert.equal(checkContact({ ...hook, webhookUrl: url }, true).webhookUrl, 'socAdmin.err.webhookUrl', url);
});

test('the body sends the secret only when typed, and drops it with the webhook', () => {
  const stored: SocContact = {
    id: 'sc1',
    organizationId: 'o1',
    name: 'n',
    email: null,
    webhookUrl: 'https://hooks.example.jp/mamori',
    hasWebhookSecret: true,
    minSeverity: 'medium',
    days: ['fri', 'mon'],
    hours: '08:30-17:15',
    role: 'staff',
    locale: 'en',
    enabled: false,
    createdAt: '',
    updatedAt: '',
  };
  const v = contactValues(stored);
  assert.equal(v.webhookSecret, '', 'the form never holds the stored secret');
  assert.deepEqual(v.days, ['mon', 'fri'], 'days in week order');
  const kept = contactBody(v, true);
  assert.equal('webhookSecret' in kept, false);
  assert.equal(kept.email, null);
  assert.equal(kept.enabled, false);
  assert.equal(contactBody({ ...v, webhookSecret: 'y'.repeat(20) }, true).webhookSecret, 'y'.repeat(20));
  assert.equal(contactBody({ ...v, webhookUrl: '' }, true).webhookSecret, null);
  assert.equal('webhookSecret' in contactBody({ ...good }, false), false);
});

test('roles by organization kind, and server refusals mapped to their field', () => {
  assert.deepEqual(rolesFor('city'), ['staff']);
  assert.deepEqual(rolesFor('prefecture'), ['staff', 'soc_lead']);
  assert.deepEqual(rolesFor('soc_operator'), ['staff', 'soc_lead']);
  assert.deepEqual(rolesFor('state'), ['staff', 'state']);
  assert.deepEqual(fieldOfRefusal('Invalid input: webhookUrl points at an internal address'), {
    webhookUrl: 'socAdmin.err.webhookInternal',
  });
  assert.deepEqual(fieldOfRefusal('Invalid input: role state belongs to the state organization'), {
    role: 'socAdmin.err.role',
  });
  assert.equal(fieldOfRefusal('Not found'), null);
});
