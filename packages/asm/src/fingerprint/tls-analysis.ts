// TLS on any port: which protocol versions the server accepts, whether it accepts weak ciphers, and what its
// certificate says (issuer, subject, SANs, validity, key, signature algorithm, chain, host-name match).
import { X509Certificate } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import {
  checkServerIdentity,
  connect as tlsConnect,
  type ConnectionOptions,
  type PeerCertificate,
  type SecureVersion,
  type TLSSocket,
} from 'node:tls';

export interface CertInfo {
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  expired: boolean;
  notYetValid: boolean;
  daysLeft: number;
  selfSigned: boolean;
  keyType: string;
  keyBits: number;
  signatureAlgorithm: string;
  fingerprint256: string;
}

export interface TlsInfo {
  versions: string[];
  /** Accepted versions that are deprecated (RFC 8996): TLS 1.0 and 1.1. */
  deprecated: string[];
  weakCiphers: string[];
  negotiated?: { protocol: string; cipher: string };
  cert?: CertInfo;
  chainValid: boolean;
  chainError?: string;
  hostnameMatch?: boolean;
}

export interface TlsTarget {
  address: string;
  port: number;
  /** SNI and host-name check; omitted for bare addresses. */
  servername?: string;
  /** STARTTLS dialogue to run before the handshake. */
  preamble?: (sock: Socket) => Promise<void>;
  timeoutMs?: number;
}

const VERSIONS: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const WEAK_CIPHERS = 'NULL:eNULL:aNULL:EXPORT:DES:3DES:RC4:RC2:IDEA:SEED:MD5:@SECLEVEL=0';

function handshake(t: TlsTarget, extra: ConnectionOptions): Promise<TLSSocket | null> {
  return new Promise((resolve) => {
    let settled = false;
    let tlsSock: TLSSocket | undefined;
    const plain: Socket | undefined = t.preamble ? netConnect({ host: t.address, port: t.port }) : undefined;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok && tlsSock) return resolve(tlsSock);
      // Failed or timed out: nothing may stay open.
      tlsSock?.destroy();
      plain?.destroy();
      resolve(null);
    };
    const timer = setTimeout(() => settle(false), t.timeoutMs ?? 3000);
    const base: ConnectionOptions = { rejectUnauthorized: false, ...extra };
    if (t.servername) base.servername = t.servername;
    const start = (socket?: Socket): void => {
      tlsSock = socket
        ? tlsConnect({ ...base, socket })
        : tlsConnect({ ...base, host: t.address, port: t.port });
      tlsSock.once('secureConnect', () => settle(true));
      tlsSock.once('error', () => settle(false));
    };
    if (!plain) return start();
    plain.once('error', () => settle(false));
    plain.once('connect', () => {
      t.preamble!(plain).then(
        () => start(plain),
        () => settle(false),
      );
    });
  });
}

const SIG_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** The certificate's outer signatureAlgorithm OID, read from DER (Certificate ::= SEQ { tbs, sigAlg, sig }). */
export function signatureAlgorithmOf(der: Buffer): string {
  try {
    let pos = 0;
    const header = (): [number, number] => {
      const tag = der[pos++]!;
      let len = der[pos++]!;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[pos++]!;
      }
      return [tag, len];
    };
    header(); // Certificate
    const [, tbsLen] = header(); // tbsCertificate
    pos += tbsLen;
    header(); // signatureAlgorithm SEQUENCE
    const [tag, oidLen] = header();
    if (tag !== 0x06) return 'unknown';
    const bytes = der.subarray(pos, pos + oidLen);
    const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let v = 0;
    for (const b of bytes.subarray(1)) {
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) {
        parts.push(v);
        v = 0;
      }
    }
    const oid = parts.join('.');
    return SIG_OIDS[oid] ?? oid;
  } catch {
    return 'unknown';
  }
}

function dn(o: Record<string, string | string[]> | undefined): string {
  if (!o) return '';
  return Object.entries(o)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

export function certInfo(peer: PeerCertificate, now: Date = new Date()): CertInfo {
  const x = new X509Certificate(peer.raw);
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  const sans = (x.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:') || s.startsWith('IP Address:'))
    .map((s) => s.replace(/^DNS:|^IP Address:/, '').toLowerCase());
  const keyType = x.publicKey.asymmetricKeyType ?? 'unknown';
  const details = x.publicKey.asymmetricKeyDetails;
  const keyBits =
    details?.modulusLength ?? (details?.namedCurve ? curveBits(details.namedCurve) : (peer.bits ?? 0));
  return {
    subject: dn(peer.subject as unknown as Record<string, string>),
    issuer: dn(peer.issuer as unknown as Record<string, string>),
    sans,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    expired: notAfter.getTime() < now.getTime(),
    notYetValid: notBefore.getTime() > now.getTime(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    selfSigned: x.issuer === x.subject && x.verify(x.publicKey),
    keyType,
    keyBits,
    signatureAlgorithm: signatureAlgorithmOf(peer.raw),
    fingerprint256: x.fingerprint256,
  };
}

function curveBits(curve: string): number {
  const m = /(\d{3})/.exec(curve);
  return m ? Number(m[1]) : curve === 'prime256v1' ? 256 : 0;
}

export async function analyzeTls(t: TlsTarget, now: Date = new Date()): Promise<TlsInfo | null> {
  const accepted: string[] = [];
  let first: TLSSocket | null = null;
  // Newest first: the first success gives the certificate and the negotiated suite a modern client would get.
  for (const v of [...VERSIONS].reverse()) {
    const s = await handshake(t, { minVersion: v, maxVersion: v, ciphers: 'ALL:@SECLEVEL=0' });
    if (!s) continue;
    accepted.unshift(v);
    if (!first) first = s;
    else s.destroy();
  }
  if (!first) return null;
  const info: TlsInfo = {
    versions: accepted,
    deprecated: accepted.filter((v) => v === 'TLSv1' || v === 'TLSv1.1'),
    weakCiphers: [],
    negotiated: { protocol: first.getProtocol() ?? '', cipher: first.getCipher()?.name ?? '' },
    chainValid: false,
  };
  const peer = first.getPeerCertificate(true);
  first.destroy();
  if (peer && peer.raw) {
    info.cert = certInfo(peer, now);
    if (t.servername) info.hostnameMatch = checkServerIdentity(t.servername, peer) === undefined;
  }
  // Chain validity against the system trust store, with the host name when we have one.
  const verified = await handshake(t, {
    rejectUnauthorized: false,
    ciphers: 'ALL:@SECLEVEL=0',
    minVersion: 'TLSv1',
  });
  if (verified) {
    info.chainValid = verified.authorized;
    if (!verified.authorized && verified.authorizationError)
      info.chainError = String(verified.authorizationError);
    verified.destroy();
  }
  const weak = await handshake(t, { ciphers: WEAK_CIPHERS, minVersion: 'TLSv1', maxVersion: 'TLSv1.2' });
  if (weak) {
    const c = weak.getCipher()?.name;
    if (c) info.weakCiphers.push(c);
    weak.destroy();
  }
  return info;
}
