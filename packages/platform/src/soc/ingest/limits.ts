// Per-source rate limits (token buckets) and the counters an operator sees per sender.

/** Lines per second with a burst allowance; `take` may go into debt so a chunk already read is never dropped. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    const add = ((t - this.last) / 1000) * this.rate;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + add);
  }

  /** Takes n tokens if there are that many (UDP: excess is dropped). */
  tryTake(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes n tokens even into debt; returns the milliseconds until the balance is positive again (0: none). */
  take(n: number): number {
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }
}

export interface SourceStats {
  /** Peer address (or TLS client certificate name when the source is bound by it). */
  source: string;
  transport: string;
  /** Organization the source is bound to (registered sources), else null. */
  organizationId: string | null;
  /** The registered source that bound it (soc_syslog_sources id, or cfg-<n> for the configuration file), else null. */
  sourceId: string | null;
  /** Messages received (including those then refused). */
  received: number;
  /** Handed to the queue (durable once `append` resolved). */
  accepted: number;
  /** Longer than the message size limit: counted, reported and quarantined when a quarantine is wired. */
  tooLarge: number;
  /** UDP datagrams over the per-source rate, dropped (UDP cannot be slowed down). */
  droppedByRate: number;
  /** UDP datagrams dropped while the queue was above its high-water mark. */
  droppedByBackpressure: number;
  /** Times a TCP/TLS connection of this source was paused for its rate. */
  ratePauses: number;
  /** Open TCP/TLS connections. */
  connections: number;
  /** TCP/TLS connections refused because the source already had maxConnectionsPerSource open. */
  refusedConnections: number;
  lastSeen: number;
}

export function newSourceStats(source: string, transport: string): SourceStats {
  return {
    source,
    transport,
    organizationId: null,
    sourceId: null,
    received: 0,
    accepted: 0,
    tooLarge: 0,
    droppedByRate: 0,
    droppedByBackpressure: 0,
    ratePauses: 0,
    connections: 0,
    refusedConnections: 0,
    lastSeen: 0,
  };
}

export interface IngestLimits {
  /** Largest message in bytes; longer ones are refused as "too large". */
  maxMessageBytes: number;
  /** Messages per second per source (peer address). */
  ratePerSource: number;
  /** Burst allowance per source (messages). */
  burstPerSource: number;
  /** Queue backlog above which every TCP/TLS connection is paused (and UDP excess is dropped, counted). */
  highWater: number;
  /** Backlog below which paused connections resume. */
  lowWater: number;
  /** Records per append() call. */
  batchSize: number;
  /** Longest a record waits for its batch to fill before it is appended anyway (ms). */
  batchDelayMs: number;
  /** Records received but not yet handed to the queue (in batches or in flight) above which readers pause. */
  maxPending: number;
  /** Simultaneous TCP/TLS connections one source may hold (more are refused and counted). */
  maxConnectionsPerSource: number;
}

export const defaultLimits: IngestLimits = {
  maxMessageBytes: 65536,
  ratePerSource: 20000,
  burstPerSource: 40000,
  highWater: 200000,
  lowWater: 100000,
  batchSize: 1000,
  batchDelayMs: 20,
  maxPending: 20000,
  maxConnectionsPerSource: 64,
};

/** Per-source state: a bucket and counters, created on first sight, bounded in number. */
export class SourceTable {
  private readonly map = new Map<string, { bucket: TokenBucket; stats: SourceStats }>();

  constructor(
    private readonly limits: Pick<IngestLimits, 'ratePerSource' | 'burstPerSource'>,
    /** Distinct sources kept; the least recently seen is forgotten beyond this (spoofed UDP sources). */
    private readonly maxSources = 10000,
  ) {}

  get(source: string, transport: string): { bucket: TokenBucket; stats: SourceStats } {
    const key = `${transport}|${source}`;
    let s = this.map.get(key);
    if (s) {
      // Keep Map order as recency order (cheap LRU).
      this.map.delete(key);
      this.map.set(key, s);
    } else {
      s = {
        bucket: new TokenBucket(this.limits.ratePerSource, this.limits.burstPerSource),
        stats: newSourceStats(source, transport),
      };
      this.map.set(key, s);
      if (this.map.size > this.maxSources) {
        for (const [k, v] of this.map) {
          if (v.stats.connections > 0) continue;
          this.map.delete(k);
          break;
        }
      }
    }
    s.stats.lastSeen = Date.now();
    return s;
  }

  stats(): SourceStats[] {
    return [...this.map.values()].map((s) => ({ ...s.stats }));
  }
}
