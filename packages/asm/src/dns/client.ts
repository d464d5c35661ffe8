// A small DNS client over UDP (with TCP fallback on truncation) and TCP for zone transfers.
// Points at any server:port, so tests use a resolver on 127.0.0.1:PORT.
import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import { decodeMessage, encodeQuery, type DnsMessage, type DnsRecord, type RRName } from './codec.js';

export interface DnsServer {
  host: string;
  port: number;
}

export interface DnsClientOptions {
  server: DnsServer;
  timeoutMs?: number;
  retries?: number;
}

export class DnsTimeoutError extends Error {}

export class DnsClient {
  readonly server: DnsServer;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(opts: DnsClientOptions) {
    this.server = opts.server;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retries = opts.retries ?? 1;
  }

  async query(name: string, type: RRName, recursionDesired = true): Promise<DnsMessage> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const msg = await udpQuery(
          this.server,
          encodeQuery(name, type, randomInt(65536), recursionDesired),
          this.timeoutMs,
        );
        if (msg.tc) return await tcpQuery(this.server, name, type, this.timeoutMs);
        return msg;
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** Records of one type, following nothing; empty on NXDOMAIN/NODATA. */
  async records(name: string, type: RRName): Promise<DnsRecord[]> {
    const msg = await this.query(name, type);
    return msg.answers.filter((r) => r.type === type);
  }

  /** Addresses of a name (A and AAAA), following CNAME chains the server returns. */
  async resolveAddresses(name: string): Promise<string[]> {
    if (isIP(name)) return [name];
    const out: string[] = [];
    for (const t of ['A', 'AAAA'] as const) {
      const msg = await this.query(name, t);
      for (const r of msg.answers) if (r.type === t) out.push(r.data);
    }
    return [...new Set(out)];
  }

  /** Attempts a zone transfer from this server; returns the records or the refusal reason. */
  async axfr(zone: string): Promise<{ allowed: boolean; records: DnsRecord[]; reason?: string }> {
    return axfr(this.server, zone, this.timeoutMs * 3);
  }
}

function udpQuery(server: DnsServer, packet: Buffer, timeoutMs: number): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const id = packet.readUInt16BE(0);
    const timer = setTimeout(
      () => done(new DnsTimeoutError(`DNS timeout from ${server.host}:${server.port}`)),
      timeoutMs,
    );
    const done = (err: Error | null, msg?: DnsMessage): void => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (err) => done(err));
    sock.on('message', (buf) => {
      try {
        const msg = decodeMessage(buf);
        if (msg.id !== id) return; // a stray or spoofed answer: keep waiting
        done(null, msg);
      } catch (err) {
        done(err as Error);
      }
    });
    sock.send(packet, server.port, server.host);
  });
}

/** Reads length-prefixed DNS messages from a TCP stream until `enough` says stop. */
function tcpExchange(
  server: DnsServer,
  packet: Buffer,
  timeoutMs: number,
  enough: (msgs: DnsMessage[]) => boolean,
): Promise<DnsMessage[]> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    const msgs: DnsMessage[] = [];
    let buf = Buffer.alloc(0);
    let finished = false;
    const finish = (err: Error | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      if (err && msgs.length === 0) reject(err);
      else resolve(msgs);
    };
    const timer = setTimeout(() => finish(new DnsTimeoutError('DNS TCP timeout')), timeoutMs);
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(new Error('connection closed')));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // Cap the transfer so a hostile server cannot exhaust memory.
      if (buf.length > 64 * 1024 * 1024) return finish(new Error('DNS TCP response too large'));
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        try {
          msgs.push(decodeMessage(buf.subarray(2, 2 + len)));
        } catch (err) {
          return finish(err as Error);
        }
        buf = buf.subarray(2 + len);
        if (enough(msgs)) return finish(null);
      }
    });
    sock.connect(server.port, server.host, () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(packet.length);
      sock.write(Buffer.concat([len, packet]));
    });
  });
}

async function tcpQuery(
  server: DnsServer,
  name: string,
  type: RRName,
  timeoutMs: number,
): Promise<DnsMessage> {
  const msgs = await tcpExchange(
    server,
    encodeQuery(name, type, randomInt(65536)),
    timeoutMs,
    (m) => m.length >= 1,
  );
  return msgs[0]!;
}

export async function axfr(
  server: DnsServer,
  zone: string,
  timeoutMs: number,
): Promise<{ allowed: boolean; records: DnsRecord[]; reason?: string }> {
  let msgs: DnsMessage[];
  try {
    msgs = await tcpExchange(server, encodeQuery(zone, 'AXFR', randomInt(65536), false), timeoutMs, (m) => {
      const last = m[m.length - 1]!;
      if (last.rcode !== 'NOERROR') return true;
      const soas = m.flatMap((x) => x.answers).filter((r) => r.type === 'SOA').length;
      return soas >= 2;
    });
  } catch (err) {
    return { allowed: false, records: [], reason: (err as Error).message };
  }
  const first = msgs[0];
  if (!first || first.rcode !== 'NOERROR')
    return { allowed: false, records: [], reason: first?.rcode ?? 'no answer' };
  const records = msgs.flatMap((m) => m.answers);
  if (records.length === 0 || records[0]!.type !== 'SOA')
    return { allowed: false, records: [], reason: 'no SOA' };
  return { allowed: true, records: records.slice(0, -1) };
}
