// One request/response exchange on a fresh TCP (optionally TLS) connection, with hard limits on time and size.
import type { Socket } from 'node:net';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';

export interface ExchangeOptions {
  address: string;
  port: number;
  /** Wrap in TLS; servername for SNI. */
  tls?: boolean;
  servername?: string;
  send?: Buffer;
  /** Total time allowed, connection included. */
  timeoutMs: number;
  /** Stop reading this long after the last data arrived. */
  idleMs?: number;
  maxBytes?: number;
  /** Runs on the plain socket before TLS (STARTTLS dialogue); resolves when the upgrade may start. */
  preamble?: (sock: Socket) => Promise<void>;
}

export interface ExchangeResult {
  connected: boolean;
  data: Buffer;
  /** The peer closed or reset the connection. */
  closed: boolean;
  error?: string;
  tlsSocketInfo?: { protocol: string | null; cipher: string };
}

export const insecureTls: Partial<ConnectionOptions> = {
  rejectUnauthorized: false,
  // Scanning must see old and weak servers as they are: allow every protocol and cipher the library has.
  ciphers: 'ALL:@SECLEVEL=0',
  minVersion: 'TLSv1',
};

export function exchange(opts: ExchangeOptions): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let done = false;
    let sock: Socket | TLSSocket;
    let idle: NodeJS.Timeout | undefined;
    const max = opts.maxBytes ?? 256 * 1024;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (idle) clearTimeout(idle);
      const r: ExchangeResult = { connected, data: Buffer.concat(chunks), closed };
      if (error) r.error = error;
      const ts = sock as TLSSocket;
      if (opts.tls && connected && typeof ts.getCipher === 'function') {
        try {
          r.tlsSocketInfo = { protocol: ts.getProtocol(), cipher: ts.getCipher()?.name ?? '' };
        } catch {
          /* socket already gone */
        }
      }
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(false, 'timeout'), opts.timeoutMs);
    const onData = (d: Buffer): void => {
      chunks.push(d);
      size += d.length;
      if (size >= max) return finish(false);
      if (opts.idleMs !== undefined) {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => finish(false), opts.idleMs);
      }
    };
    const ready = (): void => {
      connected = true;
      sock.on('data', onData);
      if (opts.send && opts.send.length > 0) sock.write(opts.send);
    };
    const tlsOpts = (): ConnectionOptions => {
      const o: ConnectionOptions = { ...insecureTls };
      if (opts.servername) o.servername = opts.servername;
      return o;
    };
    if (opts.tls && !opts.preamble) {
      sock = tlsConnect({ ...tlsOpts(), host: opts.address, port: opts.port }, ready);
    } else {
      const plain = netConnect({ host: opts.address, port: opts.port });
      sock = plain;
      plain.once('connect', () => {
        if (!opts.preamble) return ready();
        opts.preamble(plain).then(
          () => {
            if (!opts.tls) return ready();
            plain.removeAllListeners('data');
            sock = tlsConnect({ ...tlsOpts(), socket: plain }, ready);
            sock.on('error', (e: Error) => finish(true, e.message));
            sock.on('close', () => finish(true));
          },
          (e: Error) => finish(false, e.message),
        );
      });
    }
    sock.on('error', (e: Error) => finish(true, e.message));
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

/** Reads lines until `until` matches the accumulated text or time runs out. */
export function readUntil(sock: Socket, until: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      sock.off('data', onData);
      reject(new Error(`no expected reply (${until.source})`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (buf.length > 65536) buf = buf.slice(-65536);
      if (until.test(buf)) {
        clearTimeout(timer);
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
  });
}
