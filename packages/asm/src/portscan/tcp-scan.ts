// TCP connect scanning: no raw sockets. Adaptive concurrency (AIMD), per-host adaptive timeouts from measured
// round-trip times, retries for silent ports, and an optional rate limit.
import { Socket } from 'node:net';
import type { ScopeCheck } from '../scope/types.js';
import type { StopSwitch } from '../scope/stop-switch.js';
import { TokenBucket } from '../scope/rate-limit.js';

export type PortState = 'open' | 'closed' | 'filtered';

export interface PortResult {
  address: string;
  port: number;
  transport: 'tcp' | 'udp';
  state: PortState;
  rttMs?: number;
}

export interface TcpScanOptions {
  /** The scope gate: each address is checked before any packet is sent. */
  check: ScopeCheck;
  stop?: StopSwitch;
  ports: number[];
  /** Upper bound for one connection attempt. */
  timeoutMs?: number;
  /** Extra attempts for ports that stayed silent. */
  retries?: number;
  concurrency?: { initial?: number; min?: number; max?: number };
  /** Connection attempts per second across the scan. */
  ratePerSecond?: number;
  /** Waits for a send slot towards one address (politeness shared with other scanners, e.g. other workers). */
  pace?: (address: string) => Promise<void>;
  onResult?: (r: PortResult) => void;
  /** Replaces the socket connect (tests of the congestion logic). */
  connect?: (
    address: string,
    port: number,
    timeoutMs: number,
  ) => Promise<{ state: PortState | 'local'; rtt: number }>;
}

export interface TcpScanStats {
  attempts: number;
  refusedTargets: string[];
  maxConcurrencyReached: number;
  finalConcurrency: number;
  backoffs: number;
}

interface HostTiming {
  srtt: number;
  rttvar: number;
  samples: number;
}

const LOCAL_PRESSURE = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN']);

export function connectOnce(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<{ state: PortState | 'local'; rtt: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = new Socket();
    let done = false;
    const finish = (state: PortState | 'local'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ state, rtt: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish('filtered'), timeoutMs);
    sock.once('connect', () => finish('open'));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') finish('closed');
      else if (err.code && LOCAL_PRESSURE.has(err.code)) finish('local');
      else finish('filtered'); // EHOSTUNREACH, ENETUNREACH, ETIMEDOUT: nothing answered for this port
    });
    sock.connect({ host: address, port });
  });
}

export async function tcpScan(
  addresses: string[],
  opts: TcpScanOptions,
): Promise<{ results: PortResult[]; stats: TcpScanStats }> {
  const maxTimeout = opts.timeoutMs ?? 1500;
  const retries = opts.retries ?? 1;
  const cMin = opts.concurrency?.min ?? 4;
  const cMax = opts.concurrency?.max ?? 1024;
  let limit = Math.min(cMax, Math.max(cMin, opts.concurrency?.initial ?? 128));
  const bucket = opts.ratePerSecond ? new TokenBucket(opts.ratePerSecond) : null;
  const stats: TcpScanStats = {
    attempts: 0,
    refusedTargets: [],
    maxConcurrencyReached: limit,
    finalConcurrency: limit,
    backoffs: 0,
  };

  const allowed: string[] = [];
  for (const a of addresses) {
    const d = await opts.check(a);
    if (d.allowed) allowed.push(...d.addresses);
    else stats.refusedTargets.push(a);
  }
  const hosts = [...new Set(allowed)];
  const timing = new Map<string, HostTiming>(hosts.map((h) => [h, { srtt: 0, rttvar: 0, samples: 0 }]));
  const timeoutFor = (h: string): number => {
    const t = timing.get(h)!;
    if (t.samples < 3) return maxTimeout;
    // RFC 6298-style estimate with a floor so a loaded machine does not mistake slowness for silence.
    return Math.min(maxTimeout, Math.max(250, t.srtt + 4 * t.rttvar + 100));
  };
  const sample = (h: string, rtt: number): void => {
    const t = timing.get(h)!;
    if (t.samples === 0) {
      t.srtt = rtt;
      t.rttvar = rtt / 2;
    } else {
      t.rttvar = 0.75 * t.rttvar + 0.25 * Math.abs(t.srtt - rtt);
      t.srtt = 0.875 * t.srtt + 0.125 * rtt;
    }
    t.samples++;
  };

  // Interleave hosts so one host does not take all the concurrency (politeness per target).
  const queue: Array<{ address: string; port: number; tries: number }> = [];
  for (const port of opts.ports) for (const address of hosts) queue.push({ address, port, tries: 0 });
  const results: PortResult[] = [];
  let active = 0;
  let windowOk = 0;
  let qi = 0;

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      if (opts.stop?.stopped) qi = queue.length;
      while (active < limit && qi < queue.length) {
        const task = queue[qi++]!;
        active++;
        void run(task).finally(() => {
          active--;
          pump();
        });
      }
      if (active === 0 && qi >= queue.length) resolveAll();
    };
    const run = async (task: { address: string; port: number; tries: number }): Promise<void> => {
      if (bucket) await bucket.take();
      if (opts.pace) await opts.pace(task.address);
      if (opts.stop?.stopped) return;
      stats.attempts++;
      const r = await (opts.connect ?? connectOnce)(task.address, task.port, timeoutFor(task.address));
      if (r.state === 'local') {
        // The local machine ran out of sockets: halve concurrency and try again later.
        limit = Math.max(cMin, Math.floor(limit / 2));
        stats.backoffs++;
        windowOk = 0;
        queue.push(task);
        return;
      }
      if (r.state === 'filtered' && task.tries < retries) {
        // Silence alone is normal (firewalled ports); retry later without treating it as congestion.
        task.tries++;
        queue.push(task);
        return;
      }
      if (r.state !== 'filtered') {
        sample(task.address, r.rtt);
        if (task.tries > 0) {
          // A port that was silent answers on retry: the first probe was lost. That is the congestion or
          // rate-limiting signal: halve the window.
          limit = Math.max(cMin, Math.floor(limit / 2));
          stats.backoffs++;
          windowOk = 0;
        } else if (++windowOk >= limit) {
          windowOk = 0;
          limit = Math.min(cMax, limit + Math.max(1, Math.floor(limit / 4)));
          stats.maxConcurrencyReached = Math.max(stats.maxConcurrencyReached, limit);
        }
      }
      const res: PortResult = { address: task.address, port: task.port, transport: 'tcp', state: r.state };
      if (r.state === 'open') res.rttMs = Math.round(r.rtt * 100) / 100;
      results.push(res);
      opts.onResult?.(res);
    };
    pump();
  });
  stats.finalConcurrency = limit;
  results.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  return { results, stats };
}
