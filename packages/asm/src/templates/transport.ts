// The only way the checks engine touches the network: a small injected transport. Every connection and DNS
// question first passes the caller's scope check; a refusal is an error, never a silent skip.
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PeerCertificate, SecureVersion, TLSSocket } from 'node:tls';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { ScopeRefusedError } from './errors.js';

/** A scope decision: a boolean, or the guard's decision object (its pinned addresses are used to connect). */
export type ScopeVerdict = boolean | { allowed: boolean; addresses?: string[] };
export type ScopeCheck = (host: string, port: number) => ScopeVerdict | Promise<ScopeVerdict>;

export interface TlsOptions {
  servername?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  timeoutMs: number;
}

export interface TlsDetails {
  protocol: string | null;
  cipher: { name: string; standardName?: string; version: string } | null;
  certificate: PeerCertificate | null;
  authorized: boolean;
  authorizationError?: string;
}

export interface Connection {
  readonly tls?: TlsDetails;
  readonly remoteAddress?: string;
  write(data: Uint8Array): Promise<void>;
  /** Next chunk, or null at end of stream or when nothing arrives within timeoutMs (`ended` tells which). */
  read(timeoutMs: number): Promise<Uint8Array | null>;
  /** True once the peer has closed and every received chunk has been read. */
  readonly ended: boolean;
  close(): void;
}

export interface DnsQuery {
  /** Name asked about: the scope check applies to it. */
  name: string;
  packet: Uint8Array;
  timeoutMs: number;
}

export interface CheckTransport {
  connect(opts: ConnectOptions): Promise<Connection>;
  dns(q: DnsQuery): Promise<Uint8Array>;
}

class SocketConnection implements Connection {
  private chunks: Uint8Array[] = [];
  private closed = false;
  private waiter: (() => void) | null = null;
  tls?: TlsDetails;
  remoteAddress?: string;

  constructor(private readonly sock: Socket) {
    this.remoteAddress = sock.remoteAddress;
    sock.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.wake();
    });
    const end = () => {
      this.closed = true;
      this.wake();
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.sock.destroyed) return reject(new Error('connection closed'));
      this.sock.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  async read(timeoutMs: number): Promise<Uint8Array | null> {
    if (this.chunks.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, timeoutMs);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.chunks.shift() ?? null;
  }

  get ended(): boolean {
    return this.closed && this.chunks.length === 0;
  }

  close(): void {
    this.sock.destroy();
  }
}

function tlsDetails(s: TLSSocket): TlsDetails {
  const cipher = s.getCipher() as { name: string; standardName?: string; version: string } | undefined;
  let cert: PeerCertificate | null;
  try {
    const c = s.getPeerCertificate(true);
    cert = c && Object.keys(c).length > 0 ? c : null;
  } catch {
    cert = null;
  }
  const authErr = s.authorizationError;
  return {
    protocol: s.getProtocol(),
    cipher: cipher ?? null,
    certificate: cert,
    authorized: s.authorized,
    authorizationError: authErr === null || authErr === undefined ? undefined : String(authErr),
  };
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" (node:dns getServers formats). */
function parseServer(v: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v) ?? /^([\d.]+)(?::(\d+))?$/.exec(v);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : 53 } : { host: v, port: 53 };
}

/** Plain Node sockets. Use only wrapped by scopedTransport (runTemplate does that itself). */
export function nodeTransport(opts: { dnsServer?: { host: string; port: number } } = {}): CheckTransport {
  return {
    connect(o) {
      return new Promise((resolve, reject) => {
        let sock: Socket;
        const fail = (err: Error) => {
          clearTimeout(timer);
          sock.destroy();
          reject(err);
        };
        const timer = setTimeout(() => fail(new Error(`connect timeout ${o.host}:${o.port}`)), o.timeoutMs);
        if (o.tls) {
          const servername = o.tls.servername ?? (/^[\d.]+$|:/.test(o.host) ? undefined : o.host);
          const s = tlsConnect({
            host: o.host,
            port: o.port,
            servername,
            rejectUnauthorized: false,
            minVersion: o.tls.minVersion ?? 'TLSv1',
            maxVersion: o.tls.maxVersion,
            // Old protocol versions are what some checks look for: allow them at the lowest security level.
            ciphers: 'ALL:@SECLEVEL=0',
          });
          sock = s;
          s.once('secureConnect', () => {
            clearTimeout(timer);
            const c = new SocketConnection(s);
            c.tls = tlsDetails(s);
            resolve(c);
          });
        } else {
          sock = netConnect({ host: o.host, port: o.port });
          sock.once('connect', () => {
            clearTimeout(timer);
            resolve(new SocketConnection(sock));
          });
        }
        sock.once('error', (err) => fail(err));
      });
    },
    dns(q) {
      // Default: the system's first configured resolver.
      const sys = getServers()[0];
      const server = opts.dnsServer ?? (sys ? parseServer(sys) : undefined);
      if (!server) return Promise.reject(new Error('no DNS server configured for dns templates'));
      return new Promise((resolve, reject) => {
        const sock = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
        const timer = setTimeout(() => {
          sock.close();
          reject(new Error('dns timeout'));
        }, q.timeoutMs);
        sock.on('message', (msg) => {
          clearTimeout(timer);
          sock.close();
          resolve(msg);
        });
        sock.on('error', (err) => {
          clearTimeout(timer);
          sock.close();
          reject(err);
        });
        sock.send(q.packet, server.port, server.host);
      });
    },
  };
}

/** Every connection and DNS question must pass `check` first; refusals throw ScopeRefusedError. */
export function scopedTransport(inner: CheckTransport, check: ScopeCheck): CheckTransport {
  return {
    async connect(o) {
      const v = await check(o.host, o.port);
      const allowed = typeof v === 'boolean' ? v : v.allowed === true;
      if (!allowed) throw new ScopeRefusedError(o.host, o.port);
      const pinned = typeof v === 'object' ? v.addresses?.[0] : undefined;
      if (!pinned || pinned === o.host) return inner.connect(o);
      // Connect to the address the guard approved (no second resolution); keep the name for SNI.
      const isIp = /^[\d.]+$|:/.test(o.host);
      const tls = o.tls
        ? { ...o.tls, servername: o.tls.servername ?? (isIp ? undefined : o.host) }
        : undefined;
      return inner.connect({ ...o, host: pinned, tls });
    },
    async dns(q) {
      const v = await check(q.name, 53);
      if (!(typeof v === 'boolean' ? v : v.allowed === true)) throw new ScopeRefusedError(q.name, 53);
      return inner.dns(q);
    },
  };
}
