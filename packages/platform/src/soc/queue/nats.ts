// Distributed mode: the same EventQueue over NATS JetStream. Ingestion nodes publish (append resolves on the
// PubAck: the stream has stored the message on its servers); stateless workers pull from one durable consumer
// (work-queue stream: each message goes to one worker) and ack explicitly after their database commit. A message
// redelivered after a lost ack or a worker crash is recognised by its stream sequence, recorded in the same
// transaction (soc_queue_seen), so it is never counted twice. Event ids: js-<stream>-<seq>-<index>.
// Detection keeps windows in memory (bursts, spraying, campaigns across municipalities), so one stream (one
// prefecture) is consumed by one worker at a time: with `exclusive`, a worker consumes only while it holds the
// stream's lease in the database; the others stand by and take over when the holder stops renewing it.
import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  connect,
  DiscardPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { Lease } from '../lease.js';
import type { EventQueue, IngestRecord } from '../types.js';
import { encodeRecord, recordOf, type EncodedRecord } from './record-codec.js';
import type { QueueSource, SourceBatch, WorkItem } from './source.js';

/** Records per message stay well below NATS's default 1 MiB payload limit. */
const MAX_MESSAGE_BYTES = 512 * 1024;
const CONSUMER = 'pipeline';

function decodeMessage(data: Uint8Array): IngestRecord[] {
  return (JSON.parse(Buffer.from(data).toString('utf8')) as EncodedRecord[]).map(recordOf);
}

export interface NatsQueueOptions {
  url: string;
  stream: string;
  /** How long unconsumed messages are kept (default 7 days; the dedupe horizon is longer). */
  maxAgeMs?: number;
  /** Redelivery delay of a message a worker took and never acked (crashed); set when the consumer is created. */
  ackWaitMs?: number;
}

export class NatsQueue implements EventQueue {
  /** Messages not yet acked (the server counts messages; a message carries many records). */
  private backlogValue = 0;
  /** Records and messages this process published or decoded: the records a message carries, on average. */
  private seenRecords = 0;
  private seenMessages = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  static async open(o: NatsQueueOptions): Promise<NatsQueue> {
    const nc = await connect({ servers: o.url, name: 'mamori-soc', maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      const cfg = {
        name: o.stream,
        subjects: [`${o.stream}.records`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        discard: DiscardPolicy.New,
        max_age: nanos(o.maxAgeMs ?? 7 * 24 * 3600_000),
        duplicate_window: nanos(120_000),
      };
      try {
        await jsm.streams.info(o.stream);
      } catch {
        await jsm.streams.add(cfg);
      }
      try {
        await jsm.consumers.info(o.stream, CONSUMER);
      } catch {
        await jsm.consumers.add(o.stream, {
          durable_name: CONSUMER,
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(o.ackWaitMs ?? 60_000),
          max_ack_pending: 20_000,
          max_deliver: -1,
        });
      }
      const q = new NatsQueue(nc, nc.jetstream(), jsm, o.stream);
      await q.refreshBacklog();
      q.timer = setInterval(() => void q.refreshBacklog(), 1000);
      q.timer.unref();
      return q;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async refreshBacklog(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(this.stream, CONSUMER);
      // Messages, not records: the closest the server can tell cheaply (backlog() converts).
      this.backlogValue = info.num_pending + info.num_ack_pending;
    } catch {
      // keep the last value (server briefly away)
    }
  }

  async append(records: IngestRecord[]): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    const msgs: string[] = [];
    let cur: string[] = [];
    let bytes = 0;
    for (const r of records) {
      const e = encodeRecord(r);
      if (cur.length > 0 && bytes + e.length > MAX_MESSAGE_BYTES) {
        msgs.push(`[${cur.join(',')}]`);
        cur = [];
        bytes = 0;
      }
      cur.push(e);
      bytes += e.length + 1;
    }
    if (cur.length > 0) msgs.push(`[${cur.join(',')}]`);
    // msgID: a retried publish of the same message inside the duplicate window is stored once.
    await Promise.all(
      msgs.map((m) => this.js.publish(`${this.stream}.records`, Buffer.from(m), { msgID: randomUUID() })),
    );
    this.backlogValue += msgs.length;
    this.noteMessages(msgs.length, records.length);
  }

  /** @internal: `records` records arrived in `messages` messages (published here, or decoded by a source). */
  noteMessages(messages: number, records: number): void {
    this.seenMessages += messages;
    this.seenRecords += records;
  }

  /**
   * Records waiting, as EventQueue promises: the stream's pending messages times the records a message carried on
   * average in this process (one per message until it has seen any). Counting messages as records made the
   * ingest high-water mark (in records) ~500–1,700 times too loose in the distributed mode.
   */
  backlog(): number {
    const perMessage = this.seenMessages > 0 ? this.seenRecords / this.seenMessages : 1;
    return Math.round(this.backlogValue * perMessage);
  }

  /**
   * A pipeline source over the durable consumer. Without `exclusive` any number of workers share the messages;
   * with it, only the holder of the lease consumes (active/standby per stream).
   */
  source(opts: { exclusive?: ExclusiveOptions } = {}): QueueSource {
    return new NatsSource(this, opts.exclusive ?? null);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.nc.drain().catch(() => this.nc.close());
  }
}

export interface ExclusiveOptions {
  lease: Lease;
  /** The lease lasts this long unless renewed (renewed every third of it); a standby polls as often. */
  ttlMs: number;
  /** Told when this worker becomes active or goes back to standby. */
  onChange?: (active: boolean) => void;
}

class NatsSource implements QueueSource {
  readonly consumer: string;
  readonly sole: boolean;
  private onActive: (() => Promise<void>) | undefined;
  private closed = false;
  private readonly buffer: JsMsg[] = [];
  private bufferedRecords = 0;
  private readonly decoded = new Map<JsMsg, IngestRecord[]>();
  private wakeReader: (() => void) | null = null;
  private wakePump: (() => void) | null = null;
  private stopConsume: (() => Promise<void>) | null = null;
  private pumping: Promise<void> | null = null;
  private maxBatch = 2000;

  private active = false;
  private renewedAt = 0;
  private leaseTimer: NodeJS.Timeout | null = null;
  private leaseTask: Promise<void> = Promise.resolve();

  constructor(
    private readonly q: NatsQueue,
    private readonly exclusive: ExclusiveOptions | null,
  ) {
    this.consumer = `nats:${q.stream}`;
    this.sole = exclusive !== null;
  }

  async start(_checkpoint: number | null, onActive?: () => Promise<void>): Promise<void> {
    this.onActive = onActive;
    if (!this.exclusive) {
      await this.consume();
      return;
    }
    // Active/standby: try now, then every third of the lease time (take it when free, renew it when held).
    await this.leaseTick();
    this.leaseTimer = setInterval(
      () => {
        this.leaseTask = this.leaseTask.then(() => this.leaseTick());
      },
      Math.max(50, Math.floor(this.exclusive.ttlMs / 3)),
    );
    this.leaseTimer.unref();
  }

  private async leaseTick(): Promise<void> {
    const ex = this.exclusive!;
    if (this.closed) return;
    try {
      if (this.active) {
        if (await ex.lease.renew(ex.ttlMs)) {
          this.renewedAt = Date.now();
          return;
        }
        await this.standBy();
      } else if (await ex.lease.acquire(ex.ttlMs)) {
        this.renewedAt = Date.now();
        this.active = true;
        // Before any message: the pipeline reads the stream's detection watermark and its stages replay.
        await this.onActive?.();
        await this.consume();
        ex.onChange?.(true);
      }
    } catch {
      // The database is briefly away: an active worker keeps going until its lease would have expired for
      // the others, then it stops (it cannot tell whether another took over).
      if (this.active && Date.now() - this.renewedAt >= ex.ttlMs) await this.standBy();
    }
  }

  /** Lost the lease: stop pulling, hand back what is buffered (the new holder gets it at once). */
  private async standBy(): Promise<void> {
    this.active = false;
    const stop = this.stopConsume;
    this.stopConsume = null;
    await stop?.();
    await this.pumping?.catch(() => {});
    this.pumping = null;
    for (const m of this.buffer.splice(0)) m.nak();
    this.decoded.clear();
    this.bufferedRecords = 0;
    this.exclusive?.onChange?.(false);
  }

  private async consume(): Promise<void> {
    const consumer = await this.q.js.consumers.get(this.q.stream, CONSUMER);
    // consume() keeps a few pulls outstanding; the pump stops taking messages while enough are buffered, so a
    // worker never holds more than it can process well inside the ack wait.
    const messages = await consumer.consume({ max_messages: 16 });
    this.stopConsume = async () => {
      await messages.close();
    };
    this.pumping = (async () => {
      for await (const m of messages) {
        const recs = decodeMessage(m.data);
        this.q.noteMessages(1, recs.length);
        this.decoded.set(m, recs);
        this.buffer.push(m);
        this.bufferedRecords += recs.length;
        this.wakeReader?.();
        while (!this.closed && this.bufferedRecords >= this.maxBatch * 4) {
          await new Promise<void>((r) => (this.wakePump = r));
        }
        if (this.closed) break;
      }
    })();
  }

  async next(max: number): Promise<SourceBatch | null> {
    this.maxBatch = max;
    while (!this.closed && this.buffer.length === 0) {
      await new Promise<void>((r) => (this.wakeReader = r));
      this.wakeReader = null;
    }
    if (this.closed) return null;
    const msgs: JsMsg[] = [];
    const items: WorkItem[] = [];
    while (
      this.buffer.length > 0 &&
      (items.length === 0 || items.length + this.decoded.get(this.buffer[0]!)!.length <= max)
    ) {
      const m = this.buffer.shift()!;
      const recs = this.decoded.get(m)!;
      this.decoded.delete(m);
      this.bufferedRecords -= recs.length;
      msgs.push(m);
      const seq = m.seq;
      for (let i = 0; i < recs.length; i++) {
        items.push({ pos: seq, id: `js-${this.q.stream}-${seq}-${i}`, record: recs[i]! });
      }
    }
    this.wakePump?.();
    this.wakePump = null;
    return {
      items,
      checkpoint: null,
      dedupe: true,
      ack: async () => {
        for (const m of msgs) m.ack();
      },
      nak: async () => {
        for (const m of msgs) m.nak();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.wakeReader?.();
    this.wakePump?.();
    await this.leaseTask.catch(() => {});
    await this.stopConsume?.();
    await this.pumping?.catch(() => {});
    // A clean stop hands the stream over at once instead of after the lease expires.
    if (this.active) await this.exclusive?.lease.holdUntil(0).catch(() => {});
    this.active = false;
  }
}
