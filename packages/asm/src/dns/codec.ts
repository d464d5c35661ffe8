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
  DS: 43,
  TLSA: 52,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;
export type RRName = keyof typeof RR;
const RR_BY_CODE = new Map<number, string>(Object.entries(RR).map(([k, v]) => [v, k]));

/** Query classes (RFC 1035 §3.2.4, RFC 2136 NONE). */
export const CLASS = {
  IN: 1,
  CS: 2,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const;

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
  const wire = Buffer.concat(out);
  if (wire.length > 255) throw new DnsFormatError(`name longer than 255 octets: ${name.slice(0, 40)}…`);
  return wire;
}

export function encodeQuery(
  name: string,
  type: RRName | number,
  id: number,
  recursionDesired = true,
  qclass: number = CLASS.IN,
): Buffer {
  const qtype = typeof type === 'number' ? type : RR[type];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(qclass, 2);
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

function readCharStrings(buf: Buffer, start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = start;
  while (pos < end) {
    const len = buf[pos]!;
    if (pos + 1 + len > end) throw new DnsFormatError('character-string past rdata end');
    out.push(buf.subarray(pos + 1, pos + 1 + len));
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

/** One decoded record with both presentations, so the two views below come from the same parse. */
interface ParsedRecord {
  name: string;
  type: string;
  klass: number;
  ttl: number;
  /** Discovery form: relative names, TXT strings joined as UTF-8, CAA value quoted as is. */
  data: string;
  /** dig form: absolute names (trailing dot), each TXT string and the CAA value JSON-quoted (latin1). */
  text: string;
}

const abs = (name: string): string => `${name}.`;

function need(ok: boolean, what: string): void {
  if (!ok) throw new DnsFormatError(`${what}: rdata too short`);
}

function readRecord(buf: Buffer, start: number): [ParsedRecord, number] {
  const [name, p] = readName(buf, start);
  if (p + 10 > buf.length) throw new DnsFormatError('record header past end');
  const typeCode = buf.readUInt16BE(p);
  const klass = buf.readUInt16BE(p + 2);
  const ttl = buf.readUInt32BE(p + 4);
  const rdlen = buf.readUInt16BE(p + 8);
  const rd = p + 10;
  const end = rd + rdlen;
  if (end > buf.length) throw new DnsFormatError('rdata past end');
  const type = RR_BY_CODE.get(typeCode) ?? `TYPE${typeCode}`;
  let data: string;
  let text: string;
  switch (typeCode) {
    case RR.A:
      need(rdlen === 4, 'A');
      data = text = [...buf.subarray(rd, end)].join('.');
      break;
    case RR.AAAA:
      need(rdlen === 16, 'AAAA');
      data = text = ipv6(buf, rd);
      break;
    case RR.NS:
    case RR.CNAME:
    case RR.PTR:
      data = readName(buf, rd)[0];
      text = abs(data);
      break;
    case RR.MX: {
      need(rdlen >= 3, 'MX');
      const [exchange] = readName(buf, rd + 2);
      data = `${buf.readUInt16BE(rd)} ${exchange}`;
      text = `${buf.readUInt16BE(rd)} ${abs(exchange)}`;
      break;
    }
    case RR.TXT: {
      const strings = readCharStrings(buf, rd, end);
      data = strings.map((b) => b.toString('utf8')).join('');
      text = strings.map((b) => JSON.stringify(b.toString('latin1'))).join(' ');
      break;
    }
    case RR.SRV: {
      need(rdlen >= 7, 'SRV');
      const [target] = readName(buf, rd + 6);
      const nums = `${buf.readUInt16BE(rd)} ${buf.readUInt16BE(rd + 2)} ${buf.readUInt16BE(rd + 4)}`;
      data = `${nums} ${target}`;
      text = `${nums} ${abs(target)}`;
      break;
    }
    case RR.SOA: {
      const [mname, q] = readName(buf, rd);
      const [rname, r] = readName(buf, q);
      need(r + 20 <= end, 'SOA');
      const nums = [0, 4, 8, 12, 16].map((o) => buf.readUInt32BE(r + o)).join(' ');
      data = `${mname} ${rname} ${nums}`;
      text = `${abs(mname)} ${abs(rname)} ${nums}`;
      break;
    }
    case RR.CAA: {
      need(rdlen >= 2, 'CAA');
      const flags = buf[rd]!;
      const tagLen = buf[rd + 1]!;
      need(rd + 2 + tagLen <= end, 'CAA');
      const tag = buf.toString('latin1', rd + 2, rd + 2 + tagLen);
      const value = buf.subarray(rd + 2 + tagLen, end);
      data = `${flags} ${tag} "${value.toString('utf8')}"`;
      text = `${flags} ${tag} ${JSON.stringify(value.toString('latin1'))}`;
      break;
    }
    default:
      data = text = buf.subarray(rd, end).toString('hex');
  }
  return [{ name, type, klass, ttl, data, text }, end];
}

interface ParsedMessage {
  id: number;
  flags: number;
  questions: Array<{ name: string; typeCode: number; klass: number }>;
  sections: [ParsedRecord[], ParsedRecord[], ParsedRecord[]];
}

function parseMessage(buf: Buffer): ParsedMessage {
  if (buf.length < 12) throw new DnsFormatError('message shorter than header');
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = 12;
  const questions: ParsedMessage['questions'] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const [name, p] = readName(buf, pos);
    if (p + 4 > buf.length) throw new DnsFormatError('question past end');
    questions.push({ name, typeCode: buf.readUInt16BE(p), klass: buf.readUInt16BE(p + 2) });
    pos = p + 4;
  }
  const sections: ParsedMessage['sections'] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const [rec, p] = readRecord(buf, pos);
      sections[s]!.push(rec);
      pos = p;
    }
  }
  return { id: buf.readUInt16BE(0), flags, questions, sections };
}

function headerFlags(flags: number): Pick<DnsMessage, 'qr' | 'aa' | 'tc' | 'rd' | 'ra'> {
  return {
    qr: (flags & 0x8000) !== 0,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
  };
}

const rcodeName = (code: number): string => RCODE[code] ?? `RCODE${code}`;

/** Discovery/scanner view: relative names, record text as `DnsRecord.data` documents. */
export function decodeMessage(buf: Buffer): DnsMessage {
  const m = parseMessage(buf);
  const view = (rs: ParsedRecord[]): DnsRecord[] =>
    rs.map(({ name, type, ttl, data }) => ({ name, type, ttl, data }));
  return {
    id: m.id,
    ...headerFlags(m.flags),
    rcode: rcodeName(m.flags & 0xf),
    questions: m.questions.map((q) => ({
      name: q.name,
      type: RR_BY_CODE.get(q.typeCode) ?? String(q.typeCode),
    })),
    answers: view(m.sections[0]),
    authority: view(m.sections[1]),
    additional: view(m.sections[2]),
  };
}

/** A record in dig presentation: absolute owner name, wire class, `data` as dig prints it. */
export interface DnsDigRecord extends DnsRecord {
  klass: number;
}

/** dig-style view of a response (what nuclei dns templates match against). */
export interface DnsAnswer extends Pick<DnsMessage, 'id' | 'qr' | 'aa' | 'tc' | 'rd' | 'ra'> {
  rcode: number;
  rcodeName: string;
  /** dig question lines: "name.\tIN\tTYPE" */
  question: string[];
  answer: DnsDigRecord[];
  ns: DnsDigRecord[];
  extra: DnsDigRecord[];
}

export function decodeResponse(buf: Buffer): DnsAnswer {
  const m = parseMessage(buf);
  const view = (rs: ParsedRecord[]): DnsDigRecord[] =>
    rs.map(({ name, type, klass, ttl, text }) => ({ name: abs(name), type, ttl, klass, data: text }));
  const rcode = m.flags & 0xf;
  return {
    id: m.id,
    ...headerFlags(m.flags),
    rcode,
    // Unknown codes print as the bare number, as the template engine always has.
    rcodeName: RCODE[rcode] ?? String(rcode),
    // The question line always says IN, as the template engine always printed it.
    question: m.questions.map((q) => `${abs(q.name)}\tIN\t${RR_BY_CODE.get(q.typeCode) ?? q.typeCode}`),
    answer: view(m.sections[0]),
    ns: view(m.sections[1]),
    extra: view(m.sections[2]),
  };
}

/** One dig answer line: "name.\tttl\tclass\ttype\tdata". */
export function recordLine(r: DnsDigRecord): string {
  const k = r.klass === CLASS.IN ? 'IN' : r.klass === CLASS.CH ? 'CH' : String(r.klass);
  return `${r.name}\t${r.ttl}\t${k}\t${r.type}\t${r.data}`;
}
