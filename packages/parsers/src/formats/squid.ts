// Squid native access.log: "time.ms elapsed client code/status bytes method URL user hierarchy/peer mime".
import type { Endpoint } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { hostPort, looksLikeIp, urlHost } from '../util.js';

/** Splits on runs of spaces, at most `max` fields (the last one keeps the rest). */
export function splitSpaces(s: string, max: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n && out.length < max) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    let j = i;
    if (out.length === max - 1) j = n;
    else while (j < n && s.charCodeAt(j) !== 32) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function isEpochMs(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot < 9 || dot > 11) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i !== dot && (c < 48 || c > 57)) return false;
  }
  return true;
}

export const squid: FormatParser = {
  id: 'squid',
  description: 'Squid native access.log (proxy / URL filter)',
  sourceKind: 'proxy',
  input: 'text',
  sniff(input) {
    const p = input.payload;
    const sp = p.indexOf(' ');
    if (sp < 0 || !isEpochMs(p.slice(0, sp))) return false;
    return p.indexOf('/', sp) > 0 && p.includes('HIER_');
  },
  parse(input) {
    const f = splitSpaces(input.payload, 10);
    if (f.length < 10) return new ParseError('squid', `expected 10 fields, got ${f.length}`);
    const [ts, elapsed, client, codeStatus, bytes, method, url, user, hier, mime] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!isEpochMs(ts)) return new ParseError('squid', `bad timestamp "${ts.slice(0, 30)}"`);
    const slash = codeStatus.indexOf('/');
    if (slash < 0) return new ParseError('squid', `bad result code "${codeStatus.slice(0, 40)}"`);
    const code = codeStatus.slice(0, slash);
    const status = Number(codeStatus.slice(slash + 1));
    if (!Number.isInteger(status))
      return new ParseError('squid', `bad HTTP status in "${codeStatus.slice(0, 40)}"`);
    const denied = code.includes('DENIED') || code.includes('BLOCK');
    const src: Endpoint = {};
    if (looksLikeIp(client)) src.ip = client;
    else src.hostname = client;
    if (user !== '-') src.user = user;
    const dst: Endpoint = {};
    // "error:transaction-end-before-headers" and similar pseudo-URLs name no destination.
    const host = url.startsWith('error:')
      ? undefined
      : method === 'CONNECT'
        ? hostPort(url).host.toLowerCase()
        : urlHost(url);
    if (host && host !== '-') {
      if (looksLikeIp(host)) dst.ip = host;
      else dst.hostname = host;
    }
    if (method === 'CONNECT') {
      const port = hostPort(url).port;
      if (port !== undefined) dst.port = port;
    }
    const hs = hier.indexOf('/');
    const peer = hs >= 0 ? hier.slice(hs + 1) : '-';
    if (peer !== '-' && looksLikeIp(peer) && !dst.ip) dst.ip = peer;
    const fields: Record<string, string | number | boolean | null> = {
      url: url.length > 2048 ? url.slice(0, 2048) : url,
      method,
      status,
      cacheCode: code,
      bytes: Number(bytes) || 0,
      elapsedMs: Number(elapsed) || 0,
      hierarchy: hs >= 0 ? hier.slice(0, hs) : hier,
    };
    if (mime !== '-') fields.mime = mime;
    return makeEvent(input, {
      time: Math.round(Number(ts) * 1000),
      class: 'http_activity',
      activity: 'proxy',
      severity: denied ? 'low' : 'informational',
      disposition: denied ? 'blocked' : status === 0 ? 'unknown' : 'allowed',
      sourceKind: 'proxy',
      format: 'squid',
      device: { vendor: 'Squid', product: 'Squid' },
      src,
      dst,
      fields,
    });
  },
};
