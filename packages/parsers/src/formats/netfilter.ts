// netfilter packet logs: the kernel text form written by nftables `log prefix` / iptables LOG
// ("PREFIX IN=eth0 OUT= SRC=… DST=… PROTO=TCP SPT=… DPT=…") and ulogd2's JSON output.
import type { Endpoint } from '@mamori/core';
import { dispositionOfWords, ipProtocols } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { epochToMs, parseIsoLike, str, toInt, toPort } from '../util.js';
import { KvLine } from './kv.js';

const TCP_FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG'];

export const netfilterLog: FormatParser = {
  id: 'netfilter',
  description: 'nftables/iptables kernel packet log (IN= OUT= SRC= DST= … PROTO=)',
  sourceKind: 'firewall',
  input: 'text',
  sniff(input) {
    const p = input.payload;
    const i = p.indexOf('IN=');
    return i >= 0 && i < 200 && p.includes(' OUT=', i) && p.includes(' SRC=', i);
  },
  parse(input) {
    // dmesg / kern.log: "[ 1554.964030] MAMORI-DROP: IN=…"
    const p = input.payload;
    let uptime: string | undefined;
    let text = p;
    if (p.charCodeAt(0) === 91 /* [ */) {
      const close = p.indexOf(']');
      if (close > 0 && close < 20) {
        uptime = p.slice(1, close).trim();
        text = p.slice(close + 1).trimStart();
      }
    }
    const at = text.indexOf('IN=');
    if (at < 0) return new ParseError('netfilter', 'no IN= field');
    const prefix = text.slice(0, at).trim();
    const kv = new KvLine(text.slice(at), 64);
    const srcIp = kv.get('SRC');
    const dstIp = kv.get('DST');
    if (!srcIp || !dstIp) return new ParseError('netfilter', 'missing SRC= or DST=');
    const proto = kv.get('PROTO');
    const src: Endpoint = { ip: srcIp };
    const dst: Endpoint = { ip: dstIp };
    const spt = toPort(kv.get('SPT'));
    const dpt = toPort(kv.get('DPT'));
    if (spt !== undefined) src.port = spt;
    if (dpt !== undefined) dst.port = dpt;
    const disposition = dispositionOfWords(prefix, 'unknown');
    const fields: Record<string, string | number | boolean | null> = {};
    if (prefix) fields.prefix = prefix;
    if (proto)
      fields.protocol = proto === 'TCP' || proto === 'UDP' || proto === 'ICMP' ? proto : proto.toUpperCase();
    const inIf = kv.get('IN');
    const outIf = kv.get('OUT');
    if (inIf) fields.inInterface = inIf;
    if (outIf) fields.outInterface = outIf;
    const len = toInt(kv.get('LEN'));
    if (len !== undefined) fields.bytes = len;
    const ttl = toInt(kv.get('TTL'));
    if (ttl !== undefined) fields.ttl = ttl;
    if (proto === 'TCP') {
      let flags = '';
      for (const f of TCP_FLAGS) if (kv.has(f)) flags = flags ? flags + ',' + f : f;
      if (flags) fields.tcpFlags = flags;
    }
    if (proto === 'ICMP') {
      const t = toInt(kv.get('TYPE'));
      const c = toInt(kv.get('CODE'));
      if (t !== undefined) fields.icmpType = t;
      if (c !== undefined) fields.icmpCode = c;
    }
    if (uptime) fields.uptime = uptime;
    return makeEvent(input, {
      class: 'network_activity',
      activity: 'traffic',
      severity: disposition === 'blocked' ? 'low' : 'informational',
      disposition,
      sourceKind: 'firewall',
      format: 'netfilter',
      device: { vendor: 'netfilter', product: 'nftables' },
      src,
      dst,
      rule: prefix ? { name: prefix } : undefined,
      fields,
    });
  },
};

export const ulogd2Json: FormatParser = {
  id: 'ulogd2-json',
  description: 'ulogd2 JSON output (NFLOG packets from nftables/iptables)',
  sourceKind: 'firewall',
  input: 'json',
  sniff(input) {
    const j = input.json!;
    return ('oob.prefix' in j || 'raw.pktlen' in j || 'oob.hook' in j) && ('src_ip' in j || 'dest_ip' in j);
  },
  parse(input) {
    const j = input.json!;
    const srcIp = str(j.src_ip);
    const dstIp = str(j.dest_ip);
    if (!srcIp || !dstIp) return new ParseError('ulogd2-json', 'missing src_ip or dest_ip');
    let time: number | undefined;
    const sec = toInt(j['oob.time.sec']);
    if (sec !== undefined) time = epochToMs(sec) + Math.floor((toInt(j['oob.time.usec']) ?? 0) / 1000);
    else {
      const ts = str(j.timestamp);
      if (ts) {
        const t = parseIsoLike(ts, input.options.tzOffsetMinutes);
        if (!Number.isNaN(t)) time = t;
      }
    }
    if (time === undefined)
      return new ParseError('ulogd2-json', 'no usable time (oob.time.sec or timestamp)');
    const prefix = (str(j['oob.prefix']) ?? '').trim();
    const protoNum = toInt(j['ip.protocol']);
    const proto = protoNum !== undefined ? (ipProtocols[String(protoNum)] ?? String(protoNum)) : undefined;
    const src: Endpoint = { ip: srcIp };
    const dst: Endpoint = { ip: dstIp };
    const sp = toPort(j.src_port);
    const dp = toPort(j.dest_port);
    if (sp !== undefined) src.port = sp;
    if (dp !== undefined) dst.port = dp;
    const disposition = dispositionOfWords(prefix, 'unknown');
    const fields: Record<string, string | number | boolean | null> = {};
    if (prefix) fields.prefix = prefix;
    if (proto) fields.protocol = proto;
    const inIf = str(j['oob.in']);
    const outIf = str(j['oob.out']);
    if (inIf) fields.inInterface = inIf;
    if (outIf) fields.outInterface = outIf;
    const len = toInt(j['ip.totlen']) ?? toInt(j['raw.pktlen']);
    if (len !== undefined) fields.bytes = len;
    if (proto === 'TCP') {
      const flags = ['syn', 'ack', 'fin', 'rst', 'psh', 'urg'].filter(
        (f) => j[`tcp.${f}`] === 1 || j[`tcp.${f}`] === true,
      );
      if (flags.length) fields.tcpFlags = flags.join(',').toUpperCase();
    }
    const dvc = str(j.dvc);
    return makeEvent(input, {
      time,
      class: 'network_activity',
      activity: 'traffic',
      severity: disposition === 'blocked' ? 'low' : 'informational',
      disposition,
      sourceKind: 'firewall',
      format: 'ulogd2-json',
      device: dvc
        ? { name: dvc, vendor: 'netfilter', product: 'ulogd2' }
        : { vendor: 'netfilter', product: 'ulogd2' },
      src,
      dst,
      rule: prefix ? { name: prefix } : undefined,
      fields,
    });
  },
};
