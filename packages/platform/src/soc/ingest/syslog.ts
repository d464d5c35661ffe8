// Syslog receivers: UDP (RFC 5426: one RFC 3164 or 5424 message a datagram), TCP (RFC 6587: octet counting or
// newline framing, detected per connection) and TLS (RFC 5425). Whole messages go to the queue as they are —
// the parsers strip the syslog envelope. Per source: a size limit (longer messages are counted and quarantined),
// a rate (TCP/TLS connections over it are paused — the sender's kernel buffer fills and it slows down; UDP
// excess is dropped and counted). Globally: above the queue's high-water mark every connection is paused.
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { EventQueue, IngestRecord } from '../types.js';
import { IngestBatcher } from './batcher.js';
import { OVERSIZE_PREFIX_BYTES, SyslogStreamDecoder, type Framing } from './framing.js';
import { defaultLimits, SourceTable, type IngestLimits, type SourceStats } from './limits.js';
import { normalizePeer, SourceBindings, type Binding } from './sources.js';

/** Where an oversized message goes (the pipeline's quarantine); without one it is counted and logged only. */
export type OversizeSink = (record: IngestRecord, reason: string) => Promise<void>;

export interface SyslogListenerOptions {
  /** Listen address for all three; default 127.0.0.1. */
  host?: string;
  /** null/undefined: that listener is off; 0: a free port. */
  udpPort?: number | null;
  tcpPort?: number | null;
  tlsPort?: number | null;
  /** PEM certificate and key (and optionally CA for client certificates) for the TLS listener. */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer | null };
  limits?: Partial<IngestLimits>;
  queue: EventQueue;
  bindings?: SourceBindings;
  quarantine?: OversizeSink;
  logger?: Logger;
  /** Largest number of simultaneous TCP+TLS connections (default 4096). */
  maxConnections?: number;
}

export interface IngestStats {
  /** Records handed to the queue and durable. */
  accepted: number;
  received: number;
  tooLarge: number;
  droppedByRate: number;
  droppedByBackpressure: number;
  /** Records received, not yet durable. */
  pending: number;
  /** Readers are paused for backpressure now. */
  paused: boolean;
  backpressurePauses: number;
  connections: number;
  sources: SourceStats[];
}

export interface SyslogListeners {
  udp: AddressInfo | null;
  tcp: AddressInfo | null;
  tls: AddressInfo | null;
  stats(): IngestStats;
  /** Appends whatever was received and waits until it is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Conn {
  socket: Socket;
  ratePaused: boolean;
}

const MAX_QUARANTINE_WRITES = 256;
const LF = 0x0a;
const NUL = 0x00;
const CR = 0x0d;

export async function startSyslogListeners(opts: SyslogListenerOptions): Promise<SyslogListeners> {
  const limits: IngestLimits = { ...defaultLimits, ...opts.limits };
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger;
  const bindings = opts.bindings ?? new SourceBindings();
  const table = new SourceTable(limits);
  const batcher = new IngestBatcher(opts.queue, limits, log);
  const conns = new Set<Conn>();
  const servers: Server[] = [];
  let udp: UdpSocket | null = null;
  let closing = false;
  const quarantines = new Set<Promise<void>>();

  const resumeIfFree = (c: Conn) => {
    if (!c.ratePaused && !batcher.isPaused && !c.socket.destroyed) c.socket.resume();
  };
  batcher.onPressure((paused) => {
    for (const c of conns) {
      if (paused) c.socket.pause();
      else resumeIfFree(c);
    }
  });

  const record = (
    line: string,
    transport: string,
    peer: string,
    binding: Binding | undefined,
    receivedAt: number,
  ): IngestRecord => {
    const r: IngestRecord = { line, transport, peer, receivedAt };
    if (binding?.format) r.format = binding.format;
    if (binding?.organizationId) r.organizationId = binding.organizationId;
    return r;
  };

  const oversize = (
    stats: SourceStats,
    transport: string,
    peer: string,
    binding: Binding | undefined,
    prefix: string,
    size: number,
  ) => {
    stats.tooLarge++;
    const reason = `too large: ${size} bytes (limit ${limits.maxMessageBytes}); first ${OVERSIZE_PREFIX_BYTES} bytes kept`;
    log?.debug({ peer, transport, size, limit: limits.maxMessageBytes }, 'soc ingest: message too large');
    // A flood of oversized messages must not turn into unbounded concurrent writes: beyond this many in
    // flight they are counted (tooLarge) without their prefix being kept.
    if (opts.quarantine && quarantines.size < MAX_QUARANTINE_WRITES) {
      const p = opts
        .quarantine(record(prefix, transport, peer, binding, Date.now()), reason)
        .catch((err: unknown) =>
          log?.error({ err, peer }, 'soc ingest: quarantining an oversized message failed'),
        )
        .finally(() => quarantines.delete(p));
      quarantines.add(p);
    }
  };

  function onStream(socket: Socket, transport: 'syslog-tcp' | 'syslog-tls') {
    const peer = normalizePeer(socket.remoteAddress);
    let certNames: string[] = [];
    if (transport === 'syslog-tls') {
      const cert = (socket as TLSSocket).getPeerCertificate?.();
      if (cert && cert.subject) {
        certNames = [
          cert.subject.CN,
          ...(cert.subjectaltname ?? '').split(/,\s*/).map((s) => s.replace(/^DNS:/, '')),
        ].filter((s): s is string => typeof s === 'string' && s.length > 0);
      }
    }
    let binding = bindings.lookup(peer, certNames);
    let generation = bindings.generation;
    const { bucket, stats } = table.get(peer, transport);
    stats.organizationId = binding?.organizationId ?? null;
    stats.sourceId = binding?.id ?? null;
    if (stats.connections >= limits.maxConnectionsPerSource) {
      // One sender must not take every connection slot.
      stats.refusedConnections++;
      socket.destroy();
      return;
    }
    stats.connections++;
    const conn: Conn = { socket, ratePaused: false };
    conns.add(conn);
    let now = Date.now();
    let count = 0;
    const decoder = new SyslogStreamDecoder(
      {
        message(line) {
          count++;
          batcher.add(record(line, transport, peer, binding, now), stats);
        },
        oversize(prefix, size) {
          count++;
          oversize(stats, transport, peer, binding, prefix, size);
        },
      },
      limits.maxMessageBytes,
    );
    socket.on('data', (chunk: Buffer) => {
      if (generation !== bindings.generation) {
        // Registrations changed while this (long-lived) connection was open: its next lines follow them.
        generation = bindings.generation;
        binding = bindings.lookup(peer, certNames);
        stats.organizationId = binding?.organizationId ?? null;
        stats.sourceId = binding?.id ?? null;
      }
      now = Date.now();
      count = 0;
      decoder.push(chunk);
      stats.received += count;
      const wait = count > 0 ? bucket.take(count) : 0;
      if (wait > 0) {
        // Over its rate: stop reading this connection until the bucket has refilled.
        stats.ratePauses++;
        conn.ratePaused = true;
        socket.pause();
        setTimeout(() => {
          conn.ratePaused = false;
          resumeIfFree(conn);
        }, wait).unref();
      }
      if (batcher.check()) socket.pause();
    });
    const done = () => {
      if (!conns.delete(conn)) return;
      count = 0;
      decoder.end();
      stats.received += count;
      stats.connections--;
    };
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err) => log?.debug({ err, peer }, 'soc ingest: connection error'));
    if (batcher.isPaused) socket.pause();
  }

  const listen = (server: Server, port: number, name: string) =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        server.on('error', (err) => log?.error({ err }, `soc ingest: ${name} listener error`));
        resolve(server.address() as AddressInfo);
      });
    });

  const maxConnections = opts.maxConnections ?? 4096;
  let tcpAddr: AddressInfo | null = null;
  let tlsAddr: AddressInfo | null = null;
  let udpAddr: AddressInfo | null = null;
  try {
    if (opts.tcpPort !== null && opts.tcpPort !== undefined) {
      const server = createTcpServer({ noDelay: false }, (s) => onStream(s, 'syslog-tcp'));
      server.maxConnections = maxConnections;
      servers.push(server);
      tcpAddr = await listen(server, opts.tcpPort, 'tcp');
    }
    if (opts.tlsPort !== null && opts.tlsPort !== undefined) {
      if (!opts.tls) throw new Error('the syslog TLS listener needs a certificate and key');
      const tlsOptions: TlsOptions = { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' };
      if (opts.tls.ca) {
        // With a CA: senders must show a client certificate it signed; its name can bind the source.
        tlsOptions.ca = opts.tls.ca;
        tlsOptions.requestCert = true;
        tlsOptions.rejectUnauthorized = true;
      }
      const server = createTlsServer(tlsOptions, (s) => onStream(s, 'syslog-tls'));
      server.maxConnections = maxConnections;
      server.on('tlsClientError', (err, s) =>
        log?.info(
          { err: err.message, peer: normalizePeer(s.remoteAddress) },
          'soc ingest: TLS handshake refused',
        ),
      );
      servers.push(server);
      tlsAddr = await listen(server, opts.tlsPort, 'tls');
    }
    if (opts.udpPort !== null && opts.udpPort !== undefined) {
      const sock = createSocket({
        type: isIP(host) === 6 ? 'udp6' : 'udp4',
        recvBufferSize: 8 * 1024 * 1024,
      });
      udp = sock;
      sock.on('message', (msg, rinfo) => {
        const peer = normalizePeer(rinfo.address);
        const { bucket, stats } = table.get(peer, 'syslog-udp');
        stats.received++;
        const binding = bindings.lookup(peer);
        stats.organizationId = binding?.organizationId ?? null;
        stats.sourceId = binding?.id ?? null;
        let end = msg.length;
        while (end > 0 && (msg[end - 1] === LF || msg[end - 1] === NUL || msg[end - 1] === CR)) end--;
        if (end === 0) return;
        if (end > limits.maxMessageBytes) {
          oversize(stats, 'syslog-udp', peer, binding, msg.toString('utf8', 0, OVERSIZE_PREFIX_BYTES), end);
          return;
        }
        if (!bucket.tryTake(1)) {
          stats.droppedByRate++;
          return;
        }
        // UDP cannot be slowed: above the high-water mark, excess is dropped (and counted) rather than held.
        if (batcher.isPaused && batcher.check()) {
          stats.droppedByBackpressure++;
          return;
        }
        let text = msg.toString('utf8', 0, end);
        // NUL cannot be stored in PostgreSQL text (a poison record for the pipeline): shown as U+FFFD.
        const nul = msg.indexOf(NUL);
        if (nul >= 0 && nul < end) text = text.replaceAll('\u0000', '\uFFFD');
        batcher.add(record(text, 'syslog-udp', peer, binding, Date.now()), stats);
      });
      udpAddr = await new Promise<AddressInfo>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address: host, port: opts.udpPort! }, () => {
          sock.off('error', reject);
          sock.on('error', (err) => log?.error({ err }, 'soc ingest: udp listener error'));
          resolve(sock.address());
        });
      });
    }
  } catch (err) {
    for (const s of servers) s.close();
    udp?.close();
    await batcher.close();
    throw err;
  }

  const stats = (): IngestStats => {
    const sources = table.stats();
    const sum = (k: keyof SourceStats) => sources.reduce((n, s) => n + (s[k] as number), 0);
    return {
      accepted: sum('accepted'),
      received: sum('received'),
      tooLarge: sum('tooLarge'),
      droppedByRate: sum('droppedByRate'),
      droppedByBackpressure: sum('droppedByBackpressure'),
      pending: batcher.pending,
      paused: batcher.isPaused,
      backpressurePauses: batcher.pauses,
      connections: conns.size,
      sources,
    };
  };

  return {
    udp: udpAddr,
    tcp: tcpAddr,
    tls: tlsAddr,
    stats,
    flush: async () => {
      await batcher.flush();
      await Promise.all([...quarantines]);
    },
    async close() {
      if (closing) return;
      closing = true;
      const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      // Let senders' last bytes in, then end their connections.
      for (const c of conns) {
        c.socket.resume();
        c.socket.end();
      }
      const deadline = setTimeout(() => {
        for (const c of conns) c.socket.destroy();
      }, 2000);
      await Promise.all(closed);
      clearTimeout(deadline);
      if (udp) await new Promise<void>((r) => udp!.close(() => r()));
      await batcher.close();
      await Promise.all([...quarantines]);
    },
  };
}

export type { Framing };
