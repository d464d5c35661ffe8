// The payload of one spool frame (one IngestRecord). Two layouts, told apart by the first byte:
//  - 0x01: u16 LE length M, the record's metadata as a UTF-8 JSON array of M bytes
//    [transport, peer, format, organizationId, receivedAt, tzOffsetMinutes], then the line as UTF-8 (the rest);
//  - '[' : the record as one JSON array (record-codec.ts), as spools written before 2026-11-26 hold it.
// Why: the line is most of a frame. Stored as is, it is written and read back by the runtime's UTF-8 copy instead
// of JSON escaping and unescaping (FortiGate and CEF lines are full of quotes and backslashes), and the records of
// one append, which share their metadata, share its encoding (and, read back, one decoded copy).
import { putMeta, recordFrom, recordOf, type EncodedRecord, type RecordMeta } from './record-codec.js';
import type { IngestRecord } from '../types.js';

export const FRAME_V2 = 0x01;
/** Tag and metadata length. */
const PRE = 3;

/** Most recent metadata kept by the encoder and the decoder (an append mixing formats cycles through a few). */
const RECENT = 16;

const sameMeta = (a: IngestRecord, b: IngestRecord): boolean =>
  a.transport === b.transport &&
  a.peer === b.peer &&
  a.format === b.format &&
  a.organizationId === b.organizationId &&
  a.receivedAt === b.receivedAt &&
  a.tzOffsetMinutes === b.tzOffsetMinutes;

/** Encodes each distinct metadata of an append once (records of one append nearly always share it). */
export class MetaEncoder {
  private readonly recent: { r: IngestRecord; bytes: Buffer }[] = [];

  /** The metadata bytes of `r`. */
  of(r: IngestRecord): Buffer {
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const e = recent[i]!;
      if (sameMeta(e.r, r)) return e.bytes;
    }
    const meta: unknown[] = [];
    putMeta(r, meta, 0);
    const bytes = Buffer.from(JSON.stringify(meta), 'utf8');
    if (recent.length >= RECENT) recent.pop();
    recent.unshift({ r, bytes });
    return bytes;
  }
}

/**
 * Writes the payload of `r` at `off` in `buf` (which must have room for PRE + meta + 3 × line length bytes);
 * returns its length.
 */
export function writePayload(buf: Buffer, off: number, r: IngestRecord, meta: Buffer): number {
  buf[off] = FRAME_V2;
  buf.writeUInt16LE(meta.length, off + 1);
  meta.copy(buf, off + PRE);
  const at = off + PRE + meta.length;
  return PRE + meta.length + buf.write(r.line, at, 'utf8');
}

/** Metadata longer than its u16 length field can say: the record cannot be framed. */
export const metaTooLong = (meta: Buffer): boolean => meta.length > 0xffff;

/** Upper bound of a payload's size (UTF-8 is at most 3 bytes per UTF-16 unit). */
export const payloadBound = (r: IngestRecord, meta: Buffer): number => PRE + meta.length + r.line.length * 3;

/** Decodes payloads; metadata seen recently is recognised by its bytes and not decoded again. */
export class PayloadDecoder {
  /** Slot by a hash of the metadata bytes. */
  private readonly slots = new Array<{ bytes: Buffer; meta: RecordMeta } | undefined>(RECENT * 4);

  /** The record in buf[start, end). */
  decode(buf: Buffer, start: number, end: number): IngestRecord {
    if (buf[start] !== FRAME_V2)
      return recordOf(JSON.parse(buf.toString('utf8', start, end)) as EncodedRecord);
    const m = buf.readUInt16LE(start + 1);
    const ms = start + PRE;
    const me = ms + m;
    if (me > end) throw new Error('spool frame metadata overruns its payload');
    // FNV-1a over the metadata bytes (a few dozen): cheaper than decoding them.
    let h = 0x811c9dc5;
    for (let i = ms; i < me; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h >>> 0) % this.slots.length;
    let e = this.slots[slot];
    if (e === undefined || e.bytes.length !== m || buf.compare(e.bytes, 0, m, ms, me) !== 0) {
      const meta = JSON.parse(buf.toString('utf8', ms, me)) as RecordMeta;
      if (!Array.isArray(meta) || meta.length !== 6) throw new Error('spool frame metadata is not a record');
      e = { bytes: Buffer.from(buf.subarray(ms, me)), meta };
      this.slots[slot] = e;
    }
    return recordFrom(buf.toString('utf8', me, end), e.meta, 0);
  }
}
