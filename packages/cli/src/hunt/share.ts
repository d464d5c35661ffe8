// Channel buckets (the Aho-Corasick automata of a channel/EventID's rules) built once for all `hunt`
// workers. Every worker compiles the same rules, so a bucket one worker built fits the others: it is
// sent to the peers over direct MessagePorts. A shared claim table (SharedArrayBuffer) says who builds
// which bucket, so two workers meeting the same event kind at the start do not both build it: the
// second one waits (idle, no CPU) for the first one's copy instead of building its own.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { BucketShare, SharedBucket } from '@mamori/sigma';

/** Claim slots (hash of the bucket key). A collision only costs a duplicate build. */
export const SHARE_SLOTS = 4096;

/** What each worker gets (in workerData): the claim table and a port to every other worker. */
export interface ShareConfig {
  /** Int32 × 2·SHARE_SLOTS: claim owner (worker index + 1, 0 free), then done flags. */
  claims: SharedArrayBuffer;
  ports: MessagePort[];
  me: number;
}

/** The table and ports for `n` workers (ports go in each worker's transferList). */
export function shareConfigs(n: number): ShareConfig[] {
  const claims = new SharedArrayBuffer(4 * 2 * SHARE_SLOTS);
  const ports: MessagePort[][] = Array.from({ length: n }, () => []);
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const { port1, port2 } = new MessageChannel();
      ports[a]!.push(port1);
      ports[b]!.push(port2);
    }
  return ports.map((p, i) => ({ claims, ports: p, me: i + 1 }));
}

function slotOf(sig: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sig.length; i++) h = Math.imul(h ^ sig.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARE_SLOTS;
}

/** Longest wait for a bucket another worker is building before building it here after all. */
const MAX_WAIT_MS = 20000;
/** Buckets received and not yet asked for, kept at most (they are few: bounded by the rules). */
const MAX_KEPT = 256;

export class WorkerBucketShare implements BucketShare {
  private readonly claims: Int32Array;
  private readonly received = new Map<string, SharedBucket>();
  /** Buckets built here and sent, and buckets taken from peers (figures for --timing). */
  builtHere = 0;
  taken = 0;
  waitedMs = 0;

  constructor(private readonly cfg: ShareConfig) {
    this.claims = new Int32Array(cfg.claims);
    // Ports are read synchronously (receiveMessageOnPort) in the middle of a task; they must not keep
    // the thread alive.
    for (const p of cfg.ports) p.unref();
  }

  private drain(): void {
    for (const p of this.cfg.ports) {
      for (let m = receiveMessageOnPort(p); m !== undefined; m = receiveMessageOnPort(p)) {
        const b = m.message as SharedBucket;
        if (this.received.size >= MAX_KEPT) this.received.clear();
        this.received.set(b.sig, b);
      }
    }
  }

  private takeReceived(sig: string): SharedBucket | undefined {
    const b = this.received.get(sig);
    if (b !== undefined) {
      this.received.delete(sig);
      this.taken++;
    }
    return b;
  }

  take(sig: string): SharedBucket | undefined {
    if (this.cfg.ports.length === 0) return undefined;
    this.drain();
    const got = this.takeReceived(sig);
    if (got !== undefined) return got;
    const slot = slotOf(sig);
    const owner = Atomics.compareExchange(this.claims, slot, 0, this.cfg.me);
    // Free (now ours) or ours already (a colliding key): build here.
    if (owner === 0 || owner === this.cfg.me) return undefined;
    const done = SHARE_SLOTS + slot;
    const start = Date.now();
    for (;;) {
      const finished = Atomics.load(this.claims, done) === 1;
      this.drain();
      const b = this.takeReceived(sig);
      if (b !== undefined) {
        this.waitedMs += Date.now() - start;
        return b;
      }
      // Done but not ours: another bucket on the same slot (or a failed build). Build here.
      if (finished || Date.now() - start > MAX_WAIT_MS) return undefined;
      Atomics.wait(this.claims, done, 0, 50);
    }
  }

  built(bucket: SharedBucket): void {
    this.builtHere++;
    // Structured clone copies the typed arrays for each peer; this engine keeps its own.
    for (const p of this.cfg.ports) p.postMessage(bucket);
    const slot = slotOf(bucket.sig);
    if (Atomics.load(this.claims, slot) === this.cfg.me) {
      Atomics.store(this.claims, SHARE_SLOTS + slot, 1);
      Atomics.notify(this.claims, SHARE_SLOTS + slot);
    }
  }
}
