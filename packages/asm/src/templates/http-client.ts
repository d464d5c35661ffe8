// A small HTTP/1.1 client over the injected transport. Own client rather than node:http because raw and
// "unsafe" template requests must go out byte for byte, and because every response is bounded: header size,
// body size (truncated, not failed) and one deadline for the whole exchange.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { CheckTransport, Connection, TlsDetails } from './transport.js';

export interface HttpExchange {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Exact bytes to send. */
  request: Buffer;
  method: string;
  timeoutMs: number;
  maxBodyBytes: number;
  sni?: string;
}

export interface HttpResult {
  statusCode: number;
  statusLine: string;
  headerBlock: string; // byte string, status line excluded, "\r\n" separated
  headers: Array<[string, string]>;
  body: Buffer;
  truncated: boolean;
  durationMs: number;
  tls?: TlsDetails;
}

const MAX_HEADER = 64 * 1024;

class Reader {
  buf = Buffer.alloc(0);
  eof = false;
  constructor(
    private readonly conn: Connection,
    private readonly deadline: number,
  ) {}
  async more(): Promise<boolean> {
    if (this.eof) return false;
    const left = this.deadline - Date.now();
    if (left <= 0) throw new Error('http timeout');
    const chunk = await this.conn.read(left);
    if (chunk === null) {
      // Timers may fire a millisecond before Date.now() reaches the deadline: only a closed stream is an end.
      if (!this.conn.ended) throw new Error('http timeout');
      this.eof = true;
      return false;
    }
    this.buf = Buffer.concat([this.buf, chunk]);
    return true;
  }
  take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

function findHeaderEnd(b: Buffer): { end: number; sep: number } | null {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { end: crlf, sep: 4 };
  if (lf >= 0) return { end: lf, sep: 2 };
  return null;
}

async function readHead(r: Reader): Promise<{ statusLine: string; lines: string[] }> {
  for (;;) {
    const found = findHeaderEnd(r.buf);
    if (found) {
      const head = r.take(found.end).toString('latin1');
      r.take(found.sep);
      const lines = head.split(/\r?\n/);
      return { statusLine: lines[0] ?? '', lines: lines.slice(1) };
    }
    if (r.buf.length > MAX_HEADER) throw new Error('response header too large');
    if (!(await r.more())) {
      if (r.buf.length === 0) throw new Error('empty response');
      // Header block cut by close: take what came.
      const head = r.take(r.buf.length).toString('latin1');
      const lines = head.split(/\r?\n/);
      return { statusLine: lines[0] ?? '', lines: lines.slice(1) };
    }
  }
}

async function readChunked(r: Reader, max: number): Promise<{ body: Buffer; truncated: boolean }> {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    let nl = r.buf.indexOf('\n');
    while (nl < 0) {
      if (r.buf.length > 1024 || !(await r.more())) return { body: Buffer.concat(parts), truncated: false };
      nl = r.buf.indexOf('\n');
    }
    const sizeLine = r
      .take(nl + 1)
      .toString('latin1')
      .trim();
    const size = parseInt(sizeLine.split(';')[0]!, 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), truncated: false };
    if (size === 0) return { body: Buffer.concat(parts), truncated: false };
    // Never buffer more than the body limit, whatever size the server announces.
    const room = max - total;
    const want = Math.min(size, room);
    while (r.buf.length < want + 2) if (!(await r.more())) break;
    const chunk = r.take(Math.min(want, r.buf.length));
    if (want < size || chunk.length >= room) {
      parts.push(chunk.subarray(0, room));
      return { body: Buffer.concat(parts), truncated: true };
    }
    r.take(Math.min(2, r.buf.length));
    parts.push(chunk);
    total += chunk.length;
  }
}

function decode(body: Buffer, encoding: string, max: number): Buffer {
  const opts = { maxOutputLength: max };
  try {
    switch (encoding.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body, opts);
      case 'deflate':
        try {
          return inflateSync(body, opts);
        } catch {
          return inflateRawSync(body, opts);
        }
      case 'br':
        return brotliDecompressSync(body, opts);
      default:
        return body;
    }
  } catch {
    return body; // undecodable or over the limit: keep the bytes as they came
  }
}

export async function httpExchange(transport: CheckTransport, x: HttpExchange): Promise<HttpResult> {
  const started = Date.now();
  const deadline = started + x.timeoutMs;
  const conn = await transport.connect({
    host: x.host,
    port: x.port,
    tls: x.scheme === 'https' ? { servername: x.sni } : undefined,
    timeoutMs: x.timeoutMs,
  });
  try {
    await conn.write(x.request);
    const r = new Reader(conn, deadline);
    let head = await readHead(r);
    // Interim 1xx responses precede the real one.
    while (/^HTTP\/\S+\s+1\d\d\b/.test(head.statusLine) && !/^HTTP\/\S+\s+101\b/.test(head.statusLine)) {
      head = await readHead(r);
    }
    const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(head.statusLine);
    const statusCode = m ? Number(m[1]) : 0;
    const headers: Array<[string, string]> = [];
    for (const line of head.lines) {
      const i = line.indexOf(':');
      if (i > 0) headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
    const get = (name: string) => headers.find(([k]) => k.toLowerCase() === name)?.[1];
    let body: Buffer;
    let truncated = false;
    const noBody =
      x.method.toUpperCase() === 'HEAD' || statusCode === 204 || statusCode === 304 || statusCode === 0;
    if (noBody) body = Buffer.alloc(0);
    else if ((get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
      ({ body, truncated } = await readChunked(r, x.maxBodyBytes));
    } else {
      const cl = get('content-length');
      const want = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : Infinity;
      const limit = Math.min(want, x.maxBodyBytes);
      while (r.buf.length < limit) if (!(await r.more())) break;
      body = r.take(Math.min(limit, r.buf.length));
      truncated = want > x.maxBodyBytes && body.length === x.maxBodyBytes;
    }
    const enc = get('content-encoding');
    if (enc && !truncated) body = decode(body, enc, x.maxBodyBytes);
    return {
      statusCode,
      statusLine: head.statusLine,
      headerBlock: head.lines.join('\r\n'),
      headers,
      body: Buffer.from(body),
      truncated,
      durationMs: Date.now() - started,
      tls: conn.tls,
    };
  } finally {
    conn.close();
  }
}
