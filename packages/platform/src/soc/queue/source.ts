// What the pipeline consumes: batches of records with a position each, and what to do once a batch is committed.
import type { IngestRecord } from '../types.js';
import type { FileSpool, SpoolReader } from './spool.js';

export interface WorkItem {
  /** Spool position, or JetStream stream sequence (shared by the records of one message). */
  pos: number;
  /** Deterministic event id (queue position), so a redelivered record maps to the same id. */
  id: string;
  record: IngestRecord;
}

export interface SourceBatch {
  items: WorkItem[];
  /** Embedded queue: the position after the batch, committed as the checkpoint. */
  checkpoint: number | null;
  /** JetStream: dedupe by message sequence in the commit. */
  dedupe: boolean;
  /** After the database commit (deletes spool segments / acks JetStream messages). */
  ack(): Promise<void>;
  /** The commit failed: redeliver later. */
  nak(): Promise<void>;
}

export interface QueueSource {
  /** Name of the checkpoint / dedupe row. */
  readonly consumer: string;
  /**
   * Only one pipeline consumes at a time (the embedded spool; a JetStream worker holding the stream lease): the
   * pipeline's detection watermark, kept per consumer, is then exact.
   */
  readonly sole: boolean;
  /**
   * Position to resume from (embedded queue only). `onActive` is called whenever this source becomes the active
   * consumer after another process was, before the first batch it then delivers (a JetStream standby taking the
   * stream lease over; also at start when the lease is free); a source that is always active never calls it.
   */
  start(checkpoint: number | null, onActive?: () => Promise<void>): Promise<void>;
  /** Waits for at least one record; null once closed. */
  next(max: number): Promise<SourceBatch | null>;
  close(): Promise<void>;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** The embedded spool as a pipeline source. Event ids: <spool id>-<segment hex><offset hex> (ordered). */
export class SpoolSource implements QueueSource {
  readonly consumer: string;
  // One process per spool directory (SpoolBusyError).
  readonly sole = true;
  private reader: SpoolReader | null = null;
  private closed = false;

  constructor(private readonly spool: FileSpool) {
    this.consumer = `spool:${spool.spoolId}`;
  }

  async start(checkpoint: number | null): Promise<void> {
    const from = checkpoint ?? this.spool.firstPosition();
    // Segments before the checkpoint were processed by the previous run.
    await this.spool.committed(from, 0);
    this.spool.countFrom(from);
    this.reader = this.spool.reader(from);
  }

  async next(max: number): Promise<SourceBatch | null> {
    if (this.closed || !this.reader) return null;
    const { items, next } = await this.reader.read(max);
    if (items.length === 0) return null;
    const work: WorkItem[] = new Array<WorkItem>(items.length);
    // A batch lies in one segment or two: its id prefix is made once per segment, not once per record.
    let seg = -1;
    let prefix = '';
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const s = Math.floor(it.position / 2 ** 32);
      if (s !== seg) {
        seg = s;
        prefix = `${this.spool.spoolId}-${hex8(s)}`;
      }
      work[i] = { pos: it.position, id: prefix + hex8(it.position % 2 ** 32), record: it.record };
    }
    return {
      items: work,
      checkpoint: next,
      dedupe: false,
      ack: () => this.spool.committed(next, items.length),
      nak: async () => {
        // The reader moved on; start again from the committed checkpoint on the next run (the pipeline stops).
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reader?.close();
  }
}
