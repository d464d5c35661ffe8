// Postfix (smtpd, cleanup, qmgr, smtp, lmtp, bounce …) syslog payloads. The program name comes from the
// syslog envelope ("postfix/smtpd[123]: …"); one line gives one event, keyed by the queue id.
import type { Disposition, Endpoint, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput } from '../types.js';
import { domainOfEmail } from '../util.js';
import { angleAfter, nameAddr, tokenAfter } from './kv.js';

function isQueueId(s: string): boolean {
  // Short ids: hex upper-case (10+); long ids: base-52 alnum with 'z' separator. NOQUEUE for rejects.
  if (s === 'NOQUEUE') return true;
  if (s.length < 6 || s.length > 20) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

function program(input: ParseInput): string | undefined {
  const app = input.envelope?.app;
  if (app && app.startsWith('postfix')) return app.slice(app.indexOf('/') + 1) || 'postfix';
  return undefined;
}

export const postfix: FormatParser = {
  id: 'postfix',
  description: 'Postfix mail relay (smtpd/cleanup/qmgr/smtp incl. reject and milter-reject)',
  sourceKind: 'mail',
  input: 'text',
  sniff(input) {
    return program(input) !== undefined;
  },
  parse(input) {
    const prog = program(input) ?? 'postfix';
    const p = input.payload;
    if (p.length === 0) return new ParseError('postfix', 'empty message');
    const fields: Record<string, string | number | boolean | null> = { program: prog };
    const src: Endpoint = {};
    const dst: Endpoint = {};
    let activity = 'other';
    let severity: Severity = 'informational';
    let disposition: Disposition = 'unknown';
    let rest = p;
    const colon = p.indexOf(': ');
    if (colon > 0 && isQueueId(p.slice(0, colon))) {
      fields.queueId = p.slice(0, colon);
      rest = p.slice(colon + 2);
    }
    const from = angleAfter(rest, 'from=');
    const to = angleAfter(rest, 'to=');
    if (from !== undefined) {
      fields.from = from;
      if (from) src.email = from;
    }
    if (to !== undefined) {
      fields.to = to;
      if (to) {
        dst.email = to;
        const d = domainOfEmail(to);
        if (d) dst.domain = d;
      }
    }
    const helo = angleAfter(rest, 'helo=');
    if (helo) fields.helo = helo;
    if (
      rest.startsWith('reject: ') ||
      rest.startsWith('milter-reject: ') ||
      rest.startsWith('reject_warning: ')
    ) {
      // "reject: RCPT from host[ip]: 554 5.7.1 <…>: Relay access denied; from=<…> to=<…> proto=ESMTP helo=<…>"
      const kind = rest.slice(0, rest.indexOf(':'));
      activity = kind;
      const warn = kind === 'reject_warning';
      disposition = warn ? 'detected' : 'blocked';
      severity = kind === 'milter-reject' ? 'medium' : 'low';
      const afterKind = rest.slice(kind.length + 2);
      const stage = afterKind.slice(0, afterKind.indexOf(' '));
      if (stage) fields.stage = stage;
      const fromIdx = afterKind.indexOf(' from ');
      if (fromIdx >= 0) {
        const end = afterKind.indexOf(': ', fromIdx);
        const na = nameAddr(afterKind.slice(fromIdx + 6, end < 0 ? undefined : end));
        if (na?.ip) src.ip = na.ip;
        if (na?.name) src.hostname = na.name;
        if (end >= 0) {
          const semi = afterKind.indexOf('; ', end);
          const reply = afterKind.slice(end + 2, semi < 0 ? undefined : semi);
          fields.reason = reply.slice(0, 512);
          const sp = reply.indexOf(' ');
          const code = Number(reply.slice(0, sp));
          if (Number.isInteger(code)) fields.replyCode = code;
        }
      }
      if (/virus|malware|infected/i.test(String(fields.reason ?? ''))) {
        activity = 'malware';
        severity = 'high';
      } else if (/spam/i.test(String(fields.reason ?? ''))) activity = 'spam';
    } else if (rest.startsWith('client=')) {
      activity = 'accept';
      disposition = 'allowed';
      const na = nameAddr(rest.slice(7));
      if (na?.ip) src.ip = na.ip;
      if (na?.name) src.hostname = na.name;
    } else if (
      rest.startsWith('connect from ') ||
      rest.startsWith('disconnect from ') ||
      rest.startsWith('lost connection')
    ) {
      activity = rest.startsWith('connect') ? 'connect' : 'disconnect';
      disposition = 'allowed';
      const fi = rest.indexOf('from ');
      const na = nameAddr(rest.slice(fi + 5).split(' ', 1)[0] ?? '');
      if (na?.ip) src.ip = na.ip;
      if (na?.name) src.hostname = na.name;
    } else if (rest.startsWith('message-id=')) {
      activity = 'message-id';
      disposition = 'allowed';
      fields.messageId = rest.slice(11).replace(/^<|>$/g, '').slice(0, 512);
    } else if (rest === 'removed') {
      activity = 'removed';
      disposition = 'allowed';
    } else if (from !== undefined && prog === 'qmgr') {
      activity = 'queued';
      disposition = 'allowed';
      const size = Number(tokenAfter(rest, 'size='));
      if (Number.isInteger(size)) fields.size = size;
      const nrcpt = Number(tokenAfter(rest, 'nrcpt='));
      if (Number.isInteger(nrcpt)) fields.nrcpt = nrcpt;
    } else if (to !== undefined && rest.includes('status=')) {
      // Delivery attempt: "to=<…>, relay=host[ip]:25, delay=…, dsn=2.0.0, status=sent (250 …)"
      const status = tokenAfter(rest, 'status=') ?? '';
      activity = 'delivery';
      fields.status = status;
      const dsn = tokenAfter(rest, 'dsn=');
      if (dsn) fields.dsn = dsn;
      const relay = tokenAfter(rest, 'relay=');
      if (relay) {
        fields.relay = relay;
        const na = nameAddr(relay);
        if (na?.ip) dst.ip = na.ip;
        if (na?.name) dst.hostname = na.name;
        if (na?.port !== undefined) dst.port = na.port;
      }
      const paren = rest.indexOf(' (', rest.indexOf('status='));
      if (paren >= 0)
        fields.reason = rest.slice(paren + 2, rest.endsWith(')') ? -1 : undefined).slice(0, 512);
      if (status === 'sent') disposition = 'allowed';
      else if (status === 'bounced' || status === 'expired') {
        disposition = 'blocked';
        severity = 'low';
      } else disposition = 'unknown';
    } else {
      fields.message = rest.slice(0, 512);
      if (rest.startsWith('warning:')) severity = 'low';
    }
    const proto = tokenAfter(rest, 'proto=');
    if (proto) fields.proto = proto;
    return makeEvent(input, {
      class: 'email_activity',
      activity,
      severity,
      disposition,
      sourceKind: 'mail',
      format: 'postfix',
      device: input.envelope?.host
        ? { name: input.envelope.host, vendor: 'Postfix', product: 'Postfix' }
        : { vendor: 'Postfix', product: 'Postfix' },
      src,
      dst,
      fields,
    });
  },
};
