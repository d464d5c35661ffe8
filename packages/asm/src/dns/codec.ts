// DNS wire format (RFC 1035 and friends): just enough to query, parse answers and read AXFR streams.
// Our own codec so discovery can use any server/port (lab resolvers on 127.0.0.1:PORT) and do AXFR over TCP.

export const RR = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;
export type RRName = keyof typeof RR;
const RR_BY_CODE = new Map<number, string>(Object.entries(RR).map(([k, v]) => [v, k]));

export const RCODE = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;

export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  /** Presentation form: address, target name, "pref exchange", text, "flags tag value", SOA fields… */
  data: string;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: string;
  questions: Array<{ name: string; type: string }>;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
}

export class DnsFormatError extends Error {}

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .filter((p) => p.length > 0);
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    if (b.length > 63) throw new DnsFormatError(`label too long: ${p}`);
    out.push(Buffer.from([b.length]), b);
  }
  out.push(Buffer.from([0]));
  return Buffer.concat(out);
}

export function encodeQuery(
  name: string,
  type: RRName | number,
  id: number,
  recursionDesired = true,
): Buffer {
  const qtype = typeof type === 'number' ? type : RR[type];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

function readName(buf: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let pos = start;
  let end = -1;
  // Bound pointer jumps so a hostile message with a pointer loop cannot hang us.
  for (let jumps = 0; jumps < 64;) {
    if (pos >= buf.length) throw new DnsFormatError('name past end');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return [labels.join('.'), end];
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError('bad pointer');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      jumps++;
      continue;
    }
    if (pos + 1 + len > buf.length) throw new DnsFormatError('label past end');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new DnsFormatError('too many compression pointers');
}

function readCharStrings(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  let pos = start;
  while (pos < end) {
    const len = buf[pos]!;
    out.push(buf.toString('utf8', pos + 1, Math.min(end, pos + 1 + len)));
    pos += 1 + len;
  }
  return out;
}

function ipv6(buf: Buffer, pos: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(pos + i).toString(16));
  // Compress the longest zero run for the canonical form.
  const s = parts.join(':');
  const m = s.match(/(?:^|:)0(?::0)+(?::|$)/g);
  if (!m) return s;
  const longest = m.reduce((a, b) => (b.length > a.length ? b : a));
  return s.replace(longest, '::');
}

function readRecord(buf: Buffer, start: number): [DnsRecord, number] {
  const [name, p] = readName(buf, start);
  if (p + 10 > buf.length) throw new DnsFormatError('record header past end');
  const typeCode = buf.readUInt16BE(p);
  const ttl = buf.readUInt32BE(p + 4);
  const rdlen = buf.readUInt16BE(p + 8);
  const rd = p + 10;
  const end = rd + rdlen;
  if (end > buf.length) throw new DnsFormatError('rdata past end');
  const type = RR_BY_CODE.get(typeCode) ?? `TYPE${typeCode}`;
  let data: string;
  switch (typeCode) {
    case RR.A:
      data = [...buf.subarray(rd, rd + 4)].join('.');
      break;
    case RR.AAAA:
      data = ipv6(buf, rd);
      break;
    case RR.NS:
    case RR.CNAME:
    case RR.PTR:
      data = readName(buf, rd)[0];
      break;
    case RR.MX:
      data = `${buf.readUInt16BE(rd)} ${readName(buf, rd + 2)[0]}`;
      break;
    case RR.TXT:
      data = readCharStrings(buf, rd, end).join('');
      break;
    case RR.SRV:
      data = `${buf.readUInt16BE(rd)} ${buf.readUInt16BE(rd + 2)} ${buf.readUInt16BE(rd + 4)} ${readName(buf, rd + 6)[0]}`;
      break;
    case RR.SOA: {
      const [mname, q] = readName(buf, rd);
      const [rname, r] = readName(buf, q);
      const nums = [0, 4, 8, 12, 16].map((o) => buf.readUInt32BE(r + o));
      data = `${mname} ${rname} ${nums.join(' ')}`;
      break;
    }
    case RR.CAA: {
      const flags = buf[rd]!;
      const tagLen = buf[rd + 1]!;
      const tag = buf.toString('latin1', rd + 2, rd + 2 + tagLen);
      data = `${flags} ${tag} "${buf.toString('utf8', rd + 2 + tagLen, end)}"`;
      break;
    }
    default:
      data = buf.subarray(rd, end).toString('hex');
  }
  return [{ name, type, ttl, data }, end];
}

export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsFormatError('message shorter than header');
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = 12;
  const questions: DnsMessage['questions'] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const [name, p] = readName(buf, pos);
    if (p + 4 > buf.length) throw new DnsFormatError('question past end');
    questions.push({ name, type: RR_BY_CODE.get(buf.readUInt16BE(p)) ?? String(buf.readUInt16BE(p)) });
    pos = p + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const [rec, p] = readRecord(buf, pos);
      sections[s]!.push(rec);
      pos = p;
    }
  }
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: RCODE[flags & 0xf] ?? `RCODE${flags & 0xf}`,
    questions,
    answers: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}
