// Service identification on one open TCP port: banner first, then the probes that fit the port, then the rest;
// TLS is detected and unwrapped on any port; STARTTLS is tried for mail and FTP. Probes collect, matches judge.
import type { ScopeCheck } from '../scope/types.js';
import { decoders } from './decoders.js';
import { exchange, type ExchangeResult } from './exchange.js';
import type { TcpProbe } from './probes.js';
import { starttlsPreamble, type StarttlsProtocol } from './starttls.js';
import { analyzeTls, type TlsInfo } from './tls-analysis.js';

export interface ServiceId {
  service: string;
  product: string;
  version: string;
  cpe: string;
  tls: boolean;
  starttls?: boolean;
  banner?: string;
  /** The probe whose reply identified the service, and that reply (for checks). */
  probe?: string;
  reply?: Buffer;
  tlsInfo?: TlsInfo;
}

export interface FingerprintTarget {
  host: string;
  address: string;
  port: number;
}

export interface FingerprintOptions {
  probes: TcpProbe[];
  check: ScopeCheck;
  /** How long to wait for a server that speaks first. */
  bannerWaitMs?: number;
  probeTimeoutMs?: number;
  /** Analyse TLS in depth (versions, weak ciphers, certificate). */
  tlsAnalysis?: boolean;
}

const TLS_FIRST_PORTS = new Set([
  443, 465, 636, 853, 990, 993, 995, 2083, 2087, 3269, 4443, 5986, 7443, 8443, 8883, 9443, 10443,
]);
const STARTTLS: Record<string, StarttlsProtocol> = { smtp: 'smtp', imap: 'imap', pop3: 'pop3', ftp: 'ftp' };

function fill(tpl: string, m: { group(n: number): string | null }, v: string): string {
  return tpl
    .replace(/\$(\d)/g, (_, g: string) => {
      try {
        return m.group(Number(g)) ?? '';
      } catch {
        return '';
      }
    })
    .replace(/\$v/g, v);
}

export function matchReply(probe: TcpProbe, reply: Buffer): Omit<ServiceId, 'tls'> | null {
  if (reply.length === 0) return null;
  const text = reply.toString('latin1');
  for (const sm of probe.matches) {
    const m = sm.re.matcher(text);
    if (!m.find()) continue;
    let version = fill(sm.version, m, '');
    let product = fill(sm.product, m, '');
    if (sm.decode) {
      const d = decoders[sm.decode]?.(reply) ?? {};
      if (d.version) version = d.version;
      if (d.product) product = d.product;
    }
    let cpe = sm.cpe ? fill(sm.cpe, m, version) : '';
    if (sm.decode) {
      const d = decoders[sm.decode]?.(reply) ?? {};
      if (d.cpe) cpe = d.cpe;
    }
    // A CPE without a version keeps the wildcard; one with an empty version slot gets '*'.
    cpe = cpe.replace(/::/g, ':*:');
    return { service: sm.service, product, version, cpe, banner: printable(text), probe: probe.name, reply };
  }
  return null;
}

function printable(s: string): string {
  return s
    .slice(0, 300)
    .replace(/[^\x20-\x7e\u3000-\u9fff\n]/g, '.')
    .trim();
}

export async function fingerprintPort(t: FingerprintTarget, opts: FingerprintOptions): Promise<ServiceId> {
  const d = await opts.check(t.address, t.port);
  if (!d.allowed) throw new Error(`out of scope: ${t.address}`);
  const bannerWait = opts.bannerWaitMs ?? 1500;
  const timeout = opts.probeTimeoutMs ?? 3000;
  const servername = /^[\d.:]+$/.test(t.host) ? undefined : t.host;
  const banner = opts.probes.find((p) => p.name === 'banner');
  const ordered = [
    ...opts.probes.filter((p) => p.name !== 'banner' && p.ports.includes(t.port)),
    ...opts.probes.filter((p) => p.name !== 'banner' && !p.ports.includes(t.port)),
  ];

  const run = async (
    tls: boolean,
  ): Promise<{ id: Omit<ServiceId, 'tls'> | null; tlsLike: boolean; bannerText?: string }> => {
    let tlsLike = false;
    let bannerText: string | undefined;
    const base = { address: t.address, port: t.port, tls, ...(servername ? { servername } : {}) };
    const send = async (p: TcpProbe): Promise<Omit<ServiceId, 'tls'> | null | 'noconn'> => {
      const payload = Buffer.from(p.send.toString('latin1').replace(/\{host\}/g, t.host), 'latin1');
      const r = await exchange({ ...base, send: payload, timeoutMs: timeout, idleMs: 200 });
      if (!r.connected) return 'noconn';
      if (!tls && r.data.length >= 2 && r.data[0] === 0x15 && r.data[1] === 0x03) tlsLike = true;
      // A server that speaks first answers any probe with its banner too.
      return matchReply(p, r.data) ?? (banner ? matchReply(banner, r.data) : null);
    };
    // The probe the port suggests goes first, without waiting for a banner: most ports hold what they suggest.
    const hinted = ordered.filter((p) => p.ports.includes(t.port));
    for (const p of hinted) {
      const id = await send(p);
      if (id === 'noconn') return { id: null, tlsLike };
      if (id) return { id, tlsLike };
    }
    const first: ExchangeResult = await exchange({ ...base, timeoutMs: bannerWait, idleMs: 150 });
    if (!first.connected) return { id: null, tlsLike };
    if (first.data.length > 0) {
      const id = banner ? matchReply(banner, first.data) : null;
      if (id) return { id, tlsLike };
      bannerText = printable(first.data.toString('latin1'));
    }
    for (const p of ordered.filter((x) => !hinted.includes(x))) {
      const id = await send(p);
      if (id === 'noconn') continue;
      if (id) return { id, tlsLike };
      // Plain text gets nothing from a TLS port: stop probing and let the TLS attempt decide.
      if (tlsLike) break;
    }
    return bannerText === undefined ? { id: null, tlsLike } : { id: null, tlsLike, bannerText };
  };

  let tls = false;
  let result: Omit<ServiceId, 'tls'> | null;
  let bannerText: string | undefined;
  const tryTls = async (): Promise<boolean> => {
    const probe = await exchange({
      address: t.address,
      port: t.port,
      tls: true,
      timeoutMs: timeout,
      ...(servername ? { servername } : {}),
    });
    return probe.connected;
  };
  if (TLS_FIRST_PORTS.has(t.port) && (await tryTls())) {
    tls = true;
    const r = await run(true);
    result = r.id;
    bannerText = r.bannerText;
  } else {
    const r = await run(false);
    result = r.id;
    bannerText = r.bannerText;
    if (!result && (await tryTls())) {
      tls = true;
      const r2 = await run(true);
      result = r2.id;
      bannerText = r2.bannerText ?? bannerText;
    }
  }
  const id: ServiceId = result
    ? { ...result, tls }
    : {
        service: tls ? 'ssl/unknown' : 'unknown',
        product: '',
        version: '',
        cpe: '',
        tls,
        ...(bannerText ? { banner: bannerText } : {}),
      };
  if (id.service === 'http' && tls) id.service = 'https';

  if (opts.tlsAnalysis !== false) {
    if (tls) {
      id.tlsInfo =
        (await analyzeTls({
          address: t.address,
          port: t.port,
          timeoutMs: timeout,
          ...(servername ? { servername } : {}),
        })) ?? undefined;
    } else if (STARTTLS[id.service]) {
      const info = await analyzeTls({
        address: t.address,
        port: t.port,
        timeoutMs: timeout,
        preamble: starttlsPreamble(STARTTLS[id.service]!, timeout),
        ...(servername ? { servername } : {}),
      });
      if (info) {
        id.starttls = true;
        id.tlsInfo = info;
      }
    }
  }
  if (id.tlsInfo === undefined) delete id.tlsInfo;
  return id;
}
