// HTTP(S) fingerprint: status, title, server, redirect chain (followed only inside scope), favicon hash,
// security headers, technologies (Wappalyzer format) and VPN-appliance markers.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { ScopeCheck } from '../scope/types.js';
import { faviconHash } from './mmh3.js';
import { detectTechnologies, type TechDb, type Technology } from './tech.js';
import { matchMarkers, type ApplianceMatch, type WebMarker } from './markers.js';

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Status line and headers as received, for evidence. */
  head: string;
}

export interface HttpInfo {
  url: string;
  status: number;
  title: string;
  server: string;
  redirects: string[];
  /** Redirect targets not followed because they are outside the scope. */
  offScopeRedirect?: string;
  faviconHash?: number;
  securityHeaders: Record<string, string | null>;
  technologies: Technology[];
  appliances: ApplianceMatch[];
}

export interface HttpTarget {
  host: string;
  address: string;
  port: number;
  tls: boolean;
}

export const SECURITY_HEADERS = [
  'strict-transport-security',
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'referrer-policy',
  'permissions-policy',
] as const;

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join('\n') : v;
  return out;
}

/** One HTTP request to a pinned address (Host and SNI carry the name). Never throws: errors become status 0. */
export function httpGet(
  t: HttpTarget,
  path: string,
  opts: { timeoutMs?: number; maxBytes?: number; method?: string } = {},
): Promise<HttpResponse> {
  const maxBytes = opts.maxBytes ?? 512 * 1024;
  const scheme = t.tls ? 'https' : 'http';
  const hostPart = isIP(t.host) === 6 ? `[${t.host}]` : t.host;
  const url = `${scheme}://${hostPart}:${t.port}${path}`;
  return new Promise((resolve) => {
    const options = {
      host: t.address,
      port: t.port,
      path,
      method: opts.method ?? 'GET',
      agent: false as const,
      headers: {
        Host: `${hostPart}:${t.port}`,
        'User-Agent': 'Mamori-ASM/0.1',
        Accept: '*/*',
        Connection: 'close',
      },
      timeout: opts.timeoutMs ?? 5000,
      rejectUnauthorized: false,
      ciphers: 'ALL:@SECLEVEL=0',
      minVersion: 'TLSv1' as const,
      ...(t.tls && !isIP(t.host) ? { servername: t.host } : {}),
    };
    let settled = false;
    const done = (r: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hard);
      resolve(r);
    };
    const fail = (): void => done({ url, status: 0, headers: {}, body: Buffer.alloc(0), head: '' });
    const req = (t.tls ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const headers = flatHeaders(res.headers);
      const head =
        `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}\r\n` +
        res.rawHeaders.reduce((acc, v, i, a) => (i % 2 === 0 ? `${acc}${v}: ${a[i + 1]}\r\n` : acc), '');
      const finish = (): void =>
        done({ url, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), head });
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
        else {
          finish();
          req.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('aborted', finish);
    });
    // A hard deadline on top of the idle timeout, so a server trickling bytes cannot hold us.
    const hard = setTimeout(
      () => {
        req.destroy();
        fail();
      },
      (opts.timeoutMs ?? 5000) * 2,
    );
    req.on('timeout', () => {
      req.destroy();
      fail();
    });
    req.on('error', fail);
    req.end();
  });
}

export function titleOf(html: string): string {
  const m = /<title[^>]{0,200}>([^<]{0,500})<\/title>/i.exec(html);
  return m ? m[1]!.replace(/\s+/g, ' ').trim() : '';
}

function cookiesOf(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (headers['set-cookie'] ?? '').split('\n')) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export async function analyzeHttp(
  t: HttpTarget,
  opts: { check: ScopeCheck; techDb: TechDb; markers: WebMarker[]; timeoutMs?: number },
): Promise<{ info: HttpInfo; root: HttpResponse }> {
  const redirects: string[] = [];
  let cur = t;
  let path = '/';
  let res = await httpGet(cur, path, opts);
  let offScope: string | undefined;
  for (let i = 0; i < 5 && res.status >= 300 && res.status < 400 && res.headers.location; i++) {
    let next: URL;
    try {
      next = new URL(res.headers.location, res.url);
    } catch {
      break;
    }
    redirects.push(next.href);
    const nextPort = next.port ? Number(next.port) : next.protocol === 'https:' ? 443 : 80;
    const host = next.hostname.replace(/^\[|\]$/g, '');
    if (next.protocol !== 'http:' && next.protocol !== 'https:') break;
    // A redirect is a new target: it goes through the scope gate like any other.
    const d = await opts.check(host, nextPort);
    if (!d.allowed) {
      offScope = next.href;
      break;
    }
    cur = { host, address: d.addresses[0]!, port: nextPort, tls: next.protocol === 'https:' };
    path = `${next.pathname}${next.search}`;
    res = await httpGet(cur, path, opts);
  }
  const html = res.body.toString('utf8');
  const securityHeaders: Record<string, string | null> = {};
  for (const h of SECURITY_HEADERS) securityHeaders[h] = res.headers[h] ?? null;
  const info: HttpInfo = {
    url: res.url,
    status: res.status,
    title: titleOf(html),
    server: res.headers.server ?? '',
    redirects,
    securityHeaders,
    technologies: detectTechnologies(opts.techDb, {
      url: res.url,
      headers: res.headers,
      cookies: cookiesOf(res.headers),
      html,
    }),
    appliances: [],
  };
  if (offScope) info.offScopeRedirect = offScope;
  // Favicon: the declared icon if on the same host, else /favicon.ico.
  const iconHref = /<link[^>]{0,300}rel=["']?(?:shortcut )?icon["']?[^>]{0,300}>/i.exec(html)?.[0];
  let iconPath = '/favicon.ico';
  const href = iconHref ? /href=["']?([^"' >]+)/i.exec(iconHref)?.[1] : undefined;
  if (href) {
    try {
      const u = new URL(href, res.url);
      if (u.hostname === new URL(res.url).hostname) iconPath = `${u.pathname}${u.search}`;
    } catch {
      /* keep the default */
    }
  }
  const icon = await httpGet(cur, iconPath, { ...opts, maxBytes: 256 * 1024 });
  if (icon.status === 200 && icon.body.length > 0) info.faviconHash = faviconHash(icon.body);
  info.appliances = await matchMarkers(opts.markers, [res, icon], (p) => httpGet(cur, p, opts));
  return { info, root: res };
}
