// Suricata EVE JSON: alert, flow, http, dns, tls, fileinfo (other event types become informational records).
import type { Disposition, Endpoint, EventClass, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { parseIsoLike, str, toInt, toPort } from '../util.js';

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Suricata alert severity: 1 is the most severe (ET/Snort priority). */
function alertSeverity(n: number | undefined): Severity {
  switch (n) {
    case 1:
      return 'high';
    case 2:
      return 'medium';
    case 3:
      return 'low';
    default:
      return 'informational';
  }
}

export const suricataEve: FormatParser = {
  id: 'suricata-eve',
  description: 'Suricata EVE JSON (alert, flow, http, dns, tls, fileinfo)',
  sourceKind: 'ips',
  input: 'json',
  sniff(input) {
    const j = input.json!;
    return typeof j.event_type === 'string' && typeof j.timestamp === 'string';
  },
  parse(input) {
    const j = input.json!;
    const type = str(j.event_type);
    const ts = str(j.timestamp);
    if (!type || !ts) return new ParseError('suricata-eve', 'missing event_type or timestamp');
    const time = parseIsoLike(ts, input.options.tzOffsetMinutes);
    if (Number.isNaN(time)) return new ParseError('suricata-eve', `bad timestamp "${ts.slice(0, 40)}"`);
    const src: Endpoint = {};
    const dst: Endpoint = {};
    const sip = str(j.src_ip);
    const dip = str(j.dest_ip);
    if (sip) src.ip = sip;
    if (dip) dst.ip = dip;
    const sp = toPort(j.src_port);
    const dp = toPort(j.dest_port);
    if (sp !== undefined) src.port = sp;
    if (dp !== undefined) dst.port = dp;
    const fields: Record<string, string | number | boolean | null> = {};
    const proto = str(j.proto);
    if (proto) fields.protocol = proto.toUpperCase();
    const app = str(j.app_proto);
    if (app) fields.appProtocol = app;
    const flowId = toInt(j.flow_id);
    if (flowId !== undefined) fields.flowId = String(j.flow_id);
    const iface = str(j.in_iface);
    if (iface) fields.interface = iface;
    const host = str(j.host);
    let cls: EventClass = 'network_activity';
    let activity = type;
    let severity: Severity = 'informational';
    let disposition: Disposition = 'allowed';
    let rule: { id?: string; name?: string; category?: string } | undefined;
    const http = obj(j.http);
    if (http) {
      const hn = str(http.hostname);
      if (hn) dst.hostname = hn.toLowerCase();
      const url = str(http.url);
      if (url) fields.url = url.slice(0, 2048);
      const m = str(http.http_method);
      if (m) fields.method = m;
      const st = toInt(http.status);
      if (st !== undefined) fields.status = st;
      const ua = str(http.http_user_agent);
      if (ua) fields.userAgent = ua.slice(0, 512);
    }
    switch (type) {
      case 'alert': {
        const a = obj(j.alert);
        if (!a) return new ParseError('suricata-eve', 'alert event without "alert" object');
        cls = 'detection_finding';
        activity = 'alert';
        severity = alertSeverity(toInt(a.severity));
        const action = str(a.action);
        disposition = action === 'blocked' ? 'blocked' : 'detected';
        rule = { id: str(a.signature_id), name: str(a.signature), category: str(a.category) };
        const gid = toInt(a.gid);
        if (gid !== undefined) fields.gid = gid;
        const rev = toInt(a.rev);
        if (rev !== undefined) fields.rev = rev;
        if (action) fields.action = action;
        break;
      }
      case 'flow': {
        const f = obj(j.flow);
        activity = 'flow';
        if (f) {
          for (const k of [
            'pkts_toserver',
            'pkts_toclient',
            'bytes_toserver',
            'bytes_toclient',
            'age',
          ] as const) {
            const v = toInt(f[k]);
            if (v !== undefined) fields[k] = v;
          }
          const st = str(f.state);
          if (st) fields.state = st;
          const reason = str(f.reason);
          if (reason) fields.reason = reason;
          if (f.alerted === true) fields.alerted = true;
          const action = str(f.action);
          if (action === 'drop') disposition = 'blocked';
        }
        break;
      }
      case 'http':
        cls = 'http_activity';
        activity = 'http';
        break;
      case 'dns': {
        cls = 'dns_activity';
        const d = obj(j.dns);
        activity = 'dns';
        if (d) {
          const q = obj(Array.isArray(d.queries) ? d.queries[0] : undefined);
          const rrname = str(d.rrname) ?? str(q?.rrname);
          if (rrname) {
            const name = (rrname.endsWith('.') ? rrname.slice(0, -1) : rrname).toLowerCase();
            fields.query = name;
            dst.domain = name;
          }
          const rrtype = str(d.rrtype) ?? str(q?.rrtype);
          if (rrtype) fields.qtype = rrtype;
          const rcode = str(d.rcode);
          if (rcode) fields.rcode = rcode;
          const dt = str(d.type);
          if (dt) {
            fields.dnsType = dt;
            activity = dt === 'answer' ? 'dns-answer' : 'dns-query';
          }
        }
        break;
      }
      case 'tls': {
        activity = 'tls';
        const t = obj(j.tls);
        if (t) {
          const sni = str(t.sni);
          if (sni) {
            fields.sni = sni;
            dst.hostname = sni.toLowerCase();
          }
          const v = str(t.version);
          if (v) fields.tlsVersion = v;
          const subj = str(t.subject);
          if (subj) fields.subject = subj.slice(0, 512);
          const ja3 = obj(t.ja3);
          const ja3h = str(ja3?.hash);
          if (ja3h) fields.ja3 = ja3h;
        }
        break;
      }
      case 'fileinfo': {
        cls = 'file_activity';
        activity = 'fileinfo';
        const f = obj(j.fileinfo);
        if (f) {
          const fn = str(f.filename);
          if (fn) fields.filename = fn.slice(0, 1024);
          for (const k of ['md5', 'sha1', 'sha256', 'magic', 'state'] as const) {
            const v = str(f[k]);
            if (v) fields[k] = v.slice(0, 256);
          }
          const size = toInt(f.size);
          if (size !== undefined) fields.size = size;
          if (f.stored === true) fields.stored = true;
        }
        break;
      }
      case 'anomaly':
        cls = 'detection_finding';
        severity = 'low';
        disposition = 'detected';
        break;
      case 'drop':
        disposition = 'blocked';
        severity = 'low';
        break;
      default:
        break;
    }
    return makeEvent(input, {
      time,
      class: cls,
      activity,
      severity,
      disposition,
      sourceKind: 'ips',
      format: 'suricata-eve',
      device: host
        ? { name: host, vendor: 'OISF', product: 'Suricata' }
        : { vendor: 'OISF', product: 'Suricata' },
      src,
      dst,
      rule,
      fields,
    });
  },
};
