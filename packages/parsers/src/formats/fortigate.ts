// FortiGate (FortiOS 6.x/7.x) key=value logs: traffic, utm/ips, webfilter, virus, app-ctrl, and others.
import type { Disposition, Endpoint, EventClass, Severity } from '@mamori/core';
import { dispositionOf, fortigate as table } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { epochToMs, parseIsoLike, severityFromWord, toInt, toPort } from '../util.js';
import { KvLine } from './kv.js';

const TEXT_FIELDS = [
  'service',
  'srcintf',
  'dstintf',
  'policyid',
  'sessionid',
  'app',
  'appcat',
  'url',
  'msg',
  'srccountry',
  'dstcountry',
];
const NUMBER_FIELDS = ['sentbyte', 'rcvdbyte', 'duration'];

function logType(kv: KvLine): string {
  const logid = kv.get('logid');
  if (logid && logid.length >= 4) {
    const t = table.typeCodes[logid.slice(0, 2)];
    if (t) return t;
  }
  const type = kv.get('type') ?? '';
  return type === 'utm' ? (kv.get('subtype') ?? 'utm') : type;
}

function timeOf(kv: KvLine, defaultOffset: number): number {
  const et = kv.get('eventtime');
  if (et && /^\d{9,19}$/.test(et)) return epochToMs(Number(et));
  const date = kv.get('date');
  const time = kv.get('time');
  if (!date || !time) return NaN;
  const tz = kv.get('tz');
  return parseIsoLike(`${date}T${time}${tz ?? ''}`, defaultOffset);
}

export const fortigate: FormatParser = {
  id: 'fortigate',
  description: 'Fortinet FortiGate key=value log (traffic, ips, webfilter, virus, app-ctrl)',
  sourceKind: 'firewall',
  input: 'text',
  sniff(input) {
    const p = input.payload;
    return (
      (p.startsWith('date=') || p.startsWith('logver=') || p.startsWith('logid=')) &&
      p.includes('logid=') &&
      p.includes('type=')
    );
  },
  parse(input) {
    const kv = new KvLine(input.payload);
    if (!kv.has('logid') || !kv.has('type')) return new ParseError('fortigate', 'missing logid= or type=');
    const time = timeOf(kv, input.options.tzOffsetMinutes);
    if (Number.isNaN(time)) return new ParseError('fortigate', 'no usable eventtime or date/time');
    const type = logType(kv);
    const action = kv.get('action') ?? kv.get('utmaction');
    const src: Endpoint = {};
    const dst: Endpoint = {};
    const sip = kv.get('srcip');
    const dip = kv.get('dstip');
    if (sip) src.ip = sip;
    if (dip) dst.ip = dip;
    const sp = toPort(kv.get('srcport'));
    const dp = toPort(kv.get('dstport'));
    if (sp !== undefined) src.port = sp;
    if (dp !== undefined) dst.port = dp;
    const user = kv.get('user') ?? kv.get('srcuser');
    if (user) src.user = user;
    const host = kv.get('hostname');
    if (host) dst.hostname = host.toLowerCase();
    let cls: EventClass = 'network_activity';
    let activity = type;
    let severity: Severity = 'informational';
    let disposition: Disposition = dispositionOf(action, 'unknown');
    let rule: { id?: string; name?: string; category?: string } | undefined;
    const fields: Record<string, string | number | boolean | null> = { type: kv.get('type') ?? type };
    const subtype = kv.get('subtype');
    if (subtype) fields.subtype = subtype;
    const logid = kv.get('logid');
    if (logid) fields.logid = logid;
    if (action) fields.action = action;
    const proto = toInt(kv.get('proto'));
    if (proto !== undefined) fields.protocol = proto;
    for (const k of TEXT_FIELDS) {
      const v = kv.get(k);
      if (v !== undefined) fields[k] = v.length > 1024 ? v.slice(0, 1024) : v;
    }
    for (const k of NUMBER_FIELDS) {
      const v = toInt(kv.get(k));
      if (v !== undefined) fields[k] = v;
    }
    switch (type) {
      case 'traffic':
        activity = subtype ?? 'traffic';
        if (disposition === 'blocked') severity = 'low';
        rule = kv.has('policyid') ? { id: kv.get('policyid'), name: kv.get('policyname') } : undefined;
        break;
      case 'ips':
      case 'anomaly':
        cls = 'detection_finding';
        activity = type;
        severity = severityFromWord(kv.get('severity') ?? kv.get('crlevel'), 'medium');
        disposition =
          action === 'detected' || action === 'pass_session' || action === 'monitored'
            ? 'detected'
            : dispositionOf(action, 'detected');
        rule = { id: kv.get('attackid'), name: kv.get('attack'), category: kv.get('eventtype') ?? type };
        break;
      case 'webfilter':
        cls = 'http_activity';
        activity = 'webfilter';
        disposition = dispositionOf(action, 'unknown');
        severity = disposition === 'blocked' ? 'low' : 'informational';
        rule = { id: kv.get('cat'), name: kv.get('catdesc'), category: kv.get('eventtype') };
        break;
      case 'virus':
        cls = 'detection_finding';
        activity = 'virus';
        severity = 'high';
        disposition =
          action === 'monitored' || action === 'passthrough' ? 'detected' : dispositionOf(action, 'detected');
        rule = { id: kv.get('virusid'), name: kv.get('virus'), category: kv.get('dtype') ?? 'malware' };
        if (kv.has('filename')) fields.filename = kv.get('filename')!.slice(0, 1024);
        break;
      case 'app-ctrl':
        activity = 'app-ctrl';
        disposition = dispositionOf(action, 'unknown');
        severity = disposition === 'blocked' ? 'low' : 'informational';
        rule = { id: kv.get('appid'), name: kv.get('app'), category: kv.get('appcat') };
        break;
      case 'event':
        activity = subtype ? `event-${subtype}` : 'event';
        if (action === 'login' || action === 'logout') {
          cls = 'authentication';
          activity = action;
          disposition = kv.get('status') === 'failed' ? 'blocked' : 'allowed';
        }
        severity = severityFromWord(kv.get('level'), 'informational');
        break;
      default:
        severity = severityFromWord(kv.get('level'), 'informational');
    }
    const devname = kv.get('devname');
    const devid = kv.get('devid');
    if (devid) fields.devid = devid;
    return makeEvent(input, {
      time,
      class: cls,
      activity,
      severity,
      disposition,
      sourceKind:
        type === 'traffic' || type === 'event' || type === 'app-ctrl'
          ? 'firewall'
          : type === 'webfilter'
            ? 'proxy'
            : 'ips',
      format: 'fortigate',
      device: {
        name: devname ?? input.envelope?.host,
        vendor: 'Fortinet',
        product: 'FortiGate',
        site: kv.get('vd'),
      },
      src,
      dst,
      rule: rule && (rule.id || rule.name) ? rule : undefined,
      fields,
    });
  },
};
