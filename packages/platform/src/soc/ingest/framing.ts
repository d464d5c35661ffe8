// Syslog over a byte stream (TCP, TLS): RFC 6587 octet counting ("MSG-LEN SP SYSLOG-MSG") or newline framing
// (LF, optional CR before it, NUL accepted as a trailer too), detected once per connection from its first bytes.
// The decoder never holds more than one message of at most `maxBytes` (plus one chunk): an oversized message is
// reported with a prefix and its size, and its bytes are skipped as they arrive — never buffered whole.

export type Framing = 'octet-counting' | 'newline';

export interface DecoderSink {
  message(line: string): void;
  /** A message longer than the limit: its first bytes and its size (for newline framing: at least the limit). */
  oversize(prefix: string, size: number): void;
}

/** Bytes of an oversized message kept for the quarantine record. */
export const OVERSIZE_PREFIX_BYTES = 1024;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

export class SyslogStreamDecoder {
  private mode: Framing | null = null;
  private pending: Buffer | null = null;
  /** Octet counting: bytes of an oversized frame still to skip. */
  private skip = 0;
  /** Newline framing: inside an oversized line, skipping to its end; counts its bytes. */
  private skippingLine = false;
  private skipped = 0;
  /** Octet counting: first bytes of the oversized frame being skipped (null when reported). */
  private prefix: Buffer[] | null = null;
  private prefixBytes = 0;
  private oversizeLen = 0;

  constructor(
    private readonly sink: DecoderSink,
    private readonly maxBytes: number,
    /** Force a framing (files are newline-framed); default: detect from the first bytes. */
    framing?: Framing,
  ) {
    this.mode = framing ?? null;
  }

  /** The framing chosen for this connection (null until the first bytes decided it). */
  get framing(): Framing | null {
    return this.mode;
  }

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let pos = 0;
    while (pos < buf.length) {
      if (this.mode === null) {
        const m = detect(buf, pos);
        if (m === null) break; // not enough bytes yet
        this.mode = m;
      }
      pos = this.mode === 'octet-counting' ? this.octet(buf, pos) : this.newline(buf, pos);
      if (pos < 0) {
        // Incomplete frame: keep the rest for the next chunk.
        pos = -pos - 1;
        break;
      }
    }
    if (pos < buf.length) {
      this.pending = Buffer.from(buf.subarray(pos)); // copy: the chunk's memory may be large
    }
  }

  /** The connection ended: a last newline-framed line without its LF is still a message. */
  end(): void {
    this.reportOversize();
    const rest = this.pending;
    this.pending = null;
    if (this.skippingLine) {
      this.skippingLine = false;
      return;
    }
    if (!rest || rest.length === 0) return;
    if (this.mode === 'octet-counting' && this.skip === 0) {
      // A frame cut short by the sender closing: keep what came (the parser quarantines it if unusable).
      const sp = rest.indexOf(SP);
      if (sp > 0) this.emit(rest, sp + 1, rest.length);
      else this.emit(rest, 0, rest.length);
      return;
    }
    this.emit(rest, 0, rest.length);
  }

  /** Bytes held for an unfinished message (for memory accounting). */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    while (end > start && (buf[end - 1] === CR || buf[end - 1] === NUL || buf[end - 1] === LF)) end--;
    if (end <= start) return;
    const text = buf.toString('utf8', start, end);
    // NUL cannot be stored in PostgreSQL text: shown as U+FFFD, the rest of the line kept.
    const nul = buf.indexOf(NUL, start);
    this.sink.message(nul >= 0 && nul < end ? text.replaceAll('\u0000', '\uFFFD') : text);
  }

  /** Returns the next position, or -(pos+1) when the frame at pos is incomplete. */
  private octet(buf: Buffer, pos: number): number {
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length - pos);
      this.collect(buf, pos, n);
      this.skip -= n;
      if (this.skip === 0) this.reportOversize();
      return pos + n;
    }
    // Tolerate stray line ends between frames (some senders add one).
    while (pos < buf.length && (buf[pos] === LF || buf[pos] === CR || buf[pos] === NUL)) pos++;
    if (pos >= buf.length) return pos;
    let p = pos;
    let len = 0;
    while (p < buf.length && isDigit(buf[p]!) && p - pos < 10) len = len * 10 + (buf[p++]! - 0x30);
    if (p >= buf.length) return p - pos >= 10 ? this.badHeader(pos) : -(pos + 1);
    if (p === pos || buf[p] !== SP || len === 0) return this.badHeader(pos);
    const start = p + 1;
    if (len > this.maxBytes) {
      // Skipped as it arrives; its first bytes are kept for the report (sent once they are in, or at its end).
      this.oversizeLen = len;
      this.prefix = [];
      this.prefixBytes = 0;
      const have = Math.min(buf.length - start, len);
      this.collect(buf, start, have);
      this.skip = len - have;
      if (this.skip === 0) this.reportOversize();
      return start + have;
    }
    if (buf.length - start < len) return -(pos + 1);
    this.emit(buf, start, start + len);
    return start + len;
  }

  private collect(buf: Buffer, start: number, n: number): void {
    if (this.prefix === null || this.prefixBytes >= OVERSIZE_PREFIX_BYTES) return;
    const take = Math.min(n, OVERSIZE_PREFIX_BYTES - this.prefixBytes);
    this.prefix.push(Buffer.from(buf.subarray(start, start + take)));
    this.prefixBytes += take;
    if (this.prefixBytes >= OVERSIZE_PREFIX_BYTES) this.reportOversize();
  }

  private reportOversize(): void {
    if (this.prefix === null) return;
    const prefix = Buffer.concat(this.prefix).toString('utf8');
    this.prefix = null;
    this.sink.oversize(prefix, this.oversizeLen);
  }

  /** Not an octet count where one belongs: the rest of the connection is read as newline-framed lines. */
  private badHeader(pos: number): number {
    this.mode = 'newline';
    return pos;
  }

  private newline(buf: Buffer, pos: number): number {
    const nl = buf.indexOf(LF, pos);
    if (this.skippingLine) {
      if (nl < 0) {
        this.skipped += buf.length - pos;
        return buf.length;
      }
      this.skippingLine = false;
      this.skipped = 0;
      return nl + 1;
    }
    if (nl < 0) {
      if (buf.length - pos > this.maxBytes) {
        this.sink.oversize(buf.toString('utf8', pos, pos + OVERSIZE_PREFIX_BYTES), buf.length - pos);
        this.skippingLine = true;
        this.skipped = buf.length - pos;
        return buf.length;
      }
      return -(pos + 1);
    }
    if (nl - pos > this.maxBytes) {
      this.sink.oversize(buf.toString('utf8', pos, pos + OVERSIZE_PREFIX_BYTES), nl - pos);
    } else {
      this.emit(buf, pos, nl);
    }
    return nl + 1;
  }
}

/** Octet counting when the stream starts with digits, a space and "<" (the PRI of the framed message). */
function detect(buf: Buffer, pos: number): Framing | null {
  let p = pos;
  while (p < buf.length && isDigit(buf[p]!) && p - pos < 10) p++;
  if (p === pos) return 'newline';
  if (p - pos >= 10) return 'newline';
  if (p >= buf.length) return null;
  if (buf[p] !== SP) return 'newline';
  if (p + 1 >= buf.length) return null;
  return buf[p + 1] === LT ? 'octet-counting' : 'newline';
}
