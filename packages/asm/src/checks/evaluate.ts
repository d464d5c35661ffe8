// Checks judge what the probes collected and turn it into observations (findings before lifecycle).
import type { HttpResponse } from '../fingerprint/http-analysis.js';
import type { Observation } from '../findings/model.js';
import type { CheckDef } from './catalog.js';
import type { ServiceRecord, DomainReport } from '../scan/types.js';

export type Lang = 'ja' | 'en';

export class CheckContext {
  constructor(
    readonly catalog: Map<string, CheckDef>,
    readonly lang: Lang = 'ja',
  ) {}

  obs(
    check: string,
    where: { host: string; port?: number; transport?: 'tcp' | 'udp'; detail?: string },
    evidence: string,
    extra: Partial<Observation> = {},
  ): Observation {
    const def = this.catalog.get(check);
    if (!def) throw new Error(`unknown check: ${check}`);
    const o: Observation = {
      check,
      host: where.host,
      title: def.title[this.lang],
      evidence: evidence.slice(0, 1000),
      cvss: def.cvss,
      remediation: def.remediation,
      ...extra,
    };
    if (where.port !== undefined) o.port = where.port;
    if (where.transport) o.transport = where.transport;
    if (where.detail) o.detail = where.detail;
    return o;
  }
}

function excerpt(r: HttpResponse, n = 300): string {
  const first = r.head.split('\r\n')[0] ?? '';
  const body = r.body.toString('utf8', 0, Math.min(r.body.length, n)).replace(/\s+/g, ' ');
  return `GET ${new URL(r.url).pathname} → ${first} ${body}`.slice(0, 600);
}

/** http-path checks: run each path, judge with the catalogue's status list and RE2 patterns. */
export async function httpPathChecks(
  ctx: CheckContext,
  svc: ServiceRecord,
  get: (path: string) => Promise<HttpResponse>,
): Promise<Observation[]> {
  const out: Observation[] = [];
  const cache = new Map<string, Promise<HttpResponse>>();
  const fetch = (p: string): Promise<HttpResponse> => {
    if (!cache.has(p)) cache.set(p, get(p));
    return cache.get(p)!;
  };
  for (const def of ctx.catalog.values()) {
    if (def.kind !== 'http-path') continue;
    for (const path of def.paths ?? []) {
      const r = await fetch(path);
      if (!def.status!.includes(r.status)) continue;
      const text = `${r.head}\r\n${r.body.toString('latin1')}`;
      if (!def.any!.some((re) => re.matcher(text).find())) continue;
      out.push(
        ctx.obs(def.id, { host: svc.host, port: svc.port, transport: 'tcp', detail: path }, excerpt(r)),
      );
      break; // one finding per check and service is enough to act on
    }
  }
  return out;
}

export function tlsChecks(ctx: CheckContext, svc: ServiceRecord): Observation[] {
  const t = svc.tlsInfo;
  if (!t) return [];
  const at = { host: svc.host, port: svc.port, transport: 'tcp' as const };
  const out: Observation[] = [];
  const cert = t.cert;
  const certLine = cert
    ? `subject ${cert.subject}; issuer ${cert.issuer}; valid ${cert.notBefore.slice(0, 10)}–${cert.notAfter.slice(0, 10)}; SAN ${cert.sans.join(', ') || '-'}; ${cert.keyType} ${cert.keyBits} bit; ${cert.signatureAlgorithm}`
    : '';
  if (t.deprecated.length > 0)
    out.push(ctx.obs('tls-deprecated-version', at, `accepted: ${t.versions.join(', ')}`));
  if (t.weakCiphers.length > 0)
    out.push(ctx.obs('tls-weak-cipher', at, `accepted weak suite: ${t.weakCiphers.join(', ')}`));
  if (cert?.expired)
    out.push(
      ctx.obs('cert-expired', at, `notAfter ${cert.notAfter} (${-cert.daysLeft} days ago); ${certLine}`),
    );
  if (cert && (cert.selfSigned || (!t.chainValid && t.chainError && !cert.expired)))
    out.push(
      ctx.obs(
        'cert-self-signed',
        at,
        `${cert.selfSigned ? 'self-signed' : `untrusted chain (${t.chainError})`}; ${certLine}`,
      ),
    );
  if (cert && t.hostnameMatch === false)
    out.push(
      ctx.obs(
        'cert-hostname-mismatch',
        at,
        `host ${svc.host} not in ${cert.sans.join(', ') || cert.subject}`,
      ),
    );
  return out;
}

export function httpHeaderChecks(ctx: CheckContext, svc: ServiceRecord): Observation[] {
  const h = svc.http;
  if (!h || !svc.tls || h.status === 0 || h.status >= 400) return [];
  if (h.securityHeaders['strict-transport-security']) return [];
  return [
    ctx.obs(
      'missing-hsts',
      { host: svc.host, port: svc.port, transport: 'tcp' },
      `${h.url} → ${h.status}, no Strict-Transport-Security header`,
    ),
  ];
}

const EXPOSURE_CHECKS = ['exposed-rdp', 'exposed-smb', 'exposed-telnet', 'exposed-vnc', 'exposed-database'];

/** Exposure by service type; unauthenticated access is confirmed by the caller and passed in `confirmed`. */
export function serviceChecks(
  ctx: CheckContext,
  svc: ServiceRecord,
  confirmed: Record<string, string>,
): Observation[] {
  const at = { host: svc.host, port: svc.port, transport: svc.transport };
  const out: Observation[] = [];
  const what = `${svc.port}/${svc.transport} ${svc.service} ${svc.product} ${svc.version}`.trim();
  for (const id of EXPOSURE_CHECKS) {
    const def = ctx.catalog.get(id);
    if (def?.services?.includes(svc.service)) out.push(ctx.obs(id, at, `${what} reachable from the scanner`));
  }
  for (const [check, evidence] of Object.entries(confirmed)) out.push(ctx.obs(check, at, evidence));
  if (svc.service === 'ftp' && !svc.starttls)
    out.push(ctx.obs('cleartext-ftp', at, `${what}; AUTH TLS not available`));
  return out;
}

export function dnsChecks(ctx: CheckContext, d: DomainReport): Observation[] {
  const out: Observation[] = [];
  for (const a of d.axfr.filter((x) => x.allowed))
    out.push(
      ctx.obs(
        'zone-transfer-allowed',
        { host: a.server, port: 53, transport: 'tcp', detail: d.zone },
        `AXFR ${d.zone} from ${a.server} (${a.address}) returned ${a.records.length} records, e.g. ${a.records
          .slice(1, 6)
          .map((r) => `${r.name} ${r.type} ${r.data}`)
          .join('; ')}`,
      ),
    );
  for (const c of d.dangling)
    out.push(
      ctx.obs('dangling-cname', { host: c.name, detail: c.target }, `${c.name} CNAME ${c.target} → NXDOMAIN`),
    );
  for (const r of d.openResolvers)
    out.push(ctx.obs('open-resolver', { host: r.address, port: 53, transport: 'udp' }, r.evidence));
  const m = d.mail;
  if (m && m.mx.length > 0) {
    const at = { host: m.domain };
    if (m.spf.length === 0)
      out.push(ctx.obs('spf-missing', at, `${m.domain} has MX ${m.mx.join(', ')} but no v=spf1 TXT record`));
    else {
      const spf = m.spf[0]!;
      if (m.spf.length > 1 || /[+?]all\b/i.test(spf) || (!/[-~]all\b/i.test(spf) && !/redirect=/i.test(spf)))
        out.push(ctx.obs('spf-weak', at, `${m.domain} TXT "${m.spf.join('" "')}"`));
    }
    if (m.dmarc.length === 0)
      out.push(ctx.obs('dmarc-missing', at, `_dmarc.${m.domain}: no v=DMARC1 record`));
    else if (/\bp\s*=\s*none\b/i.test(m.dmarc[0]!))
      out.push(ctx.obs('dmarc-weak', at, `_dmarc.${m.domain} TXT "${m.dmarc[0]}"`));
    if (m.dkimSelectors.length === 0)
      out.push(
        ctx.obs(
          'dkim-missing',
          at,
          `no DKIM key at ${m.domain} selectors default, selector1, selector2, google, k1, mail, dkim, s1, s2, smtp`,
        ),
      );
  }
  return out;
}

export interface VulnHit {
  cve: string;
  kev: boolean;
  cvss?: number;
  certainty: 'certain' | 'potential';
}

/** Looks up a product/version; provided by the vulnerability database when it is loaded. */
export type VulnLookup = (q: { vendor: string; product: string; version: string; cpe: string }) => VulnHit[];

export function applianceChecks(ctx: CheckContext, svc: ServiceRecord, lookup?: VulnLookup): Observation[] {
  const out: Observation[] = [];
  for (const a of svc.http?.appliances ?? []) {
    const at = { host: svc.host, port: svc.port, transport: 'tcp' as const, detail: a.product };
    const hits =
      lookup && a.version
        ? lookup({ vendor: a.vendor, product: a.product, version: a.version, cpe: a.cpe })
        : [];
    const kev = hits.filter((h) => h.kev);
    if (kev.length > 0) {
      const cvss = Math.max(...kev.map((h) => h.cvss ?? ctx.catalog.get('kev-appliance')!.cvss));
      out.push(
        ctx.obs(
          'kev-appliance',
          at,
          `${a.product} ${a.version} at ${a.url}: ${kev.map((h) => `${h.cve}${h.certainty === 'potential' ? ' (potential)' : ''}`).join(', ')}`,
          {
            kev: true,
            cves: kev.map((h) => h.cve),
            cvss,
          },
        ),
      );
    } else
      out.push(
        ctx.obs(
          'vpn-appliance-exposed',
          at,
          `${a.product}${a.version ? ` ${a.version}` : ' (version not disclosed)'} at ${a.url}: ${a.evidence}`,
        ),
      );
  }
  return out;
}

/** Known CVEs for an identified product version (vulnerability database); the KEV flag raises severity. */
export function vulnChecks(ctx: CheckContext, svc: ServiceRecord, lookup?: VulnLookup): Observation[] {
  if (!lookup || !svc.version || !svc.cpe.startsWith('cpe:2.3:')) return [];
  const [, , , vendor = '', product = ''] = svc.cpe.split(':');
  const hits = lookup({ vendor, product, version: svc.version, cpe: svc.cpe });
  if (hits.length === 0) return [];
  const kev = hits.some((h) => h.kev);
  const cvss = Math.max(...hits.map((h) => h.cvss ?? ctx.catalog.get('known-vulnerability')!.cvss));
  const list = hits
    .slice()
    .sort((a, b) => Number(b.kev) - Number(a.kev) || (b.cvss ?? 0) - (a.cvss ?? 0))
    .slice(0, 20)
    .map(
      (h) =>
        `${h.cve}${h.kev ? ' [KEV]' : ''}${h.cvss ? ` ${h.cvss}` : ''}${h.certainty === 'potential' ? ' (potential)' : ''}`,
    );
  return [
    ctx.obs(
      'known-vulnerability',
      { host: svc.host, port: svc.port, transport: svc.transport, detail: `${svc.product} ${svc.version}` },
      `${svc.product} ${svc.version} (${svc.cpe}): ${list.join(', ')}${hits.length > 20 ? ` … ${hits.length} in all` : ''}`,
      { kev, cvss, cves: hits.map((h) => h.cve) },
    ),
  ];
}
