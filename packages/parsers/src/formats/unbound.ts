// unbound: RPZ actions ("rpz: applied [zone] name action client@port qname type class"), reply lines
// (log-replies) and query lines (log-queries), from its own log file ("[epoch] unbound[pid:tid] info: …") or
// through syslog ("unbound: [pid:tid] info: …").
import type { Disposition, Endpoint, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput } from '../types.js';
import { epochToMs, isDigits } from '../util.js';
import { splitSpaces } from './squid.js';

interface Body {
  time?: number;
  level?: string;
  text: string;
}

function body(input: ParseInput): Body | undefined {
  let p = input.payload;
  let time: number | undefined;
  if (p.startsWith('[')) {
    const close = p.indexOf(']');
    const inner = p.slice(1, close);
    if (close > 0 && isDigits(inner)) {
      time = epochToMs(Number(inner));
      p = p.slice(close + 2);
      // "unbound[20151:0] "
      if (!p.startsWith('unbound[')) return undefined;
      p = p.slice(p.indexOf('] ') + 2);
    } else if (input.envelope?.app === 'unbound' && close > 0) p = p.slice(close + 2);
    else return undefined;
  } else if (input.envelope?.app !== 'unbound') return undefined;
  const c = p.indexOf(': ');
  if (c < 0 || c > 10) return { time, text: p };
  return { time, level: p.slice(0, c), text: p.slice(c + 2) };
}

const RPZ_ACTIONS: Record<string, Disposition> = {
  'rpz-nxdomain': 'blocked',
  'rpz-nodata': 'blocked',
  'rpz-drop': 'blocked',
  'rpz-local-data': 'blocked',
  'rpz-cname-override': 'blocked',
  'rpz-tcp-only': 'allowed',
  'rpz-passthru': 'allowed',
  nxdomain: 'blocked',
  nodata: 'blocked',
  drop: 'blocked',
  'local-data': 'blocked',
  passthru: 'allowed',
};

const RCODES = new Set(['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMPL', 'REFUSED', 'YXDOMAIN']);

function stripDot(name: string): string {
  return (name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name).toLowerCase();
}

export const unbound: FormatParser = {
  id: 'unbound',
  description: 'unbound log lines: RPZ actions, replies and queries',
  sourceKind: 'dns',
  input: 'text',
  sniff(input) {
    return body(input) !== undefined;
  },
  parse(input) {
    const b = body(input);
    if (!b) return new ParseError('unbound', 'not an unbound log line');
    const t = b.text;
    const fields: Record<string, string | number | boolean | null> = {};
    if (b.level) fields.level = b.level;
    // Object literals, not spreads: spreading a shared base object is ~20x slower on V8 here.
    const device = input.envelope?.host
      ? { name: input.envelope.host, vendor: 'NLnet Labs', product: 'unbound' }
      : { vendor: 'NLnet Labs', product: 'unbound' };
    if (t.startsWith('rpz: applied ')) {
      // "rpz: applied [zone] trigger action client@port qname qtype qclass"
      let rest = t.slice(13);
      let zone: string | undefined;
      if (rest.startsWith('[')) {
        const close = rest.indexOf(']');
        if (close < 0) return new ParseError('unbound', 'unterminated [zone]');
        zone = rest.slice(1, close);
        rest = rest.slice(close + 2);
      }
      const f = splitSpaces(rest, 6);
      if (f.length < 5) return new ParseError('unbound', `rpz line with ${f.length} fields, expected 5-6`);
      const [trigger, action, client, qname, qtype] = f as [string, string, string, string, string];
      const at = client.lastIndexOf('@');
      const src: Endpoint = { ip: at > 0 ? client.slice(0, at) : client };
      const port = at > 0 ? Number(client.slice(at + 1)) : NaN;
      if (Number.isInteger(port)) src.port = port;
      const disposition = RPZ_ACTIONS[action] ?? 'detected';
      fields.query = stripDot(qname);
      fields.qtype = qtype;
      fields.trigger = trigger;
      fields.action = action;
      if (zone) fields.zone = zone;
      const severity: Severity = disposition === 'blocked' ? 'low' : 'informational';
      return makeEvent(input, {
        time: b.time,
        class: 'dns_activity',
        sourceKind: 'dns',
        format: 'unbound',
        device,
        activity: 'rpz',
        severity,
        disposition,
        src,
        dst: { domain: stripDot(qname) },
        rule: { id: action, name: zone ?? trigger, category: 'rpz' },
        fields,
      });
    }
    // Reply "client qname qtype qclass RCODE time cached size" or query "client qname qtype qclass".
    if (b.level === 'info') {
      const f = splitSpaces(t, 9);
      if (f.length >= 4 && (f[3] === 'IN' || f[3] === 'CH') && f[1]!.endsWith('.')) {
        const src: Endpoint = { ip: f[0]! };
        fields.query = stripDot(f[1]!);
        fields.qtype = f[2]!;
        const reply = f.length >= 5 && RCODES.has(f[4]!);
        if (reply) {
          fields.rcode = f[4]!;
          const ms = Number(f[5]);
          if (Number.isFinite(ms)) fields.durationMs = Math.round(ms * 1000);
          if (f[6] !== undefined) fields.cached = f[6] === '1';
          const size = Number(f[7]);
          if (Number.isInteger(size)) fields.size = size;
        }
        return makeEvent(input, {
          time: b.time,
          class: 'dns_activity',
          sourceKind: 'dns',
          format: 'unbound',
          device,
          activity: reply ? 'reply' : 'query',
          severity: 'informational',
          disposition: 'allowed',
          src,
          dst: { domain: stripDot(f[1]!) },
          fields,
        });
      }
    }
    fields.message = t.slice(0, 512);
    return makeEvent(input, {
      time: b.time,
      class: 'dns_activity',
      sourceKind: 'dns',
      format: 'unbound',
      device,
      activity: 'service',
      severity: b.level === 'error' ? 'low' : 'informational',
      disposition: 'unknown',
      fields,
    });
  },
};
