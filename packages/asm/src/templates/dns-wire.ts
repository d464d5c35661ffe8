// DNS wire format: build one question, decode a response into dig-like text lines (what dns templates match).
import { randomInt } from 'node:crypto';

export const DNS_TYPES: Record<string, number> = {
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
  CAA: 257,
  ANY: 255,
  AXFR: 252,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(DNS_TYPES).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;
export const DNS_CLASSES: Record<string, number> = {
  inet: 1,
  csnet: 2,
  chaos: 3,
  hesiod: 4,
  none: 254,
  any: 255,
};
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function encodeQuery(name: string, type: number, klass: number, recursion: boolean): Buffer {
  const id = randomInt(65536);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(recursion ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [header];
  for (const l of labels) {
    const b = Buffer.from(l, 'utf8');
    if (b.length > 63) throw new Error(`dns label too long: ${l.slice(0, 20)}…`);
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(klass, 3);
  parts.push(tail);
  return Buffer.concat(parts);
}

export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  klass: number;
  data: string;
}

export interface DnsAnswer {
  rcode: number;
  rcodeName: string;
  question: string[];
  answer: DnsRecord[];
  ns: DnsRecord[];
  extra: DnsRecord[];
}

function readName(b: Buffer, off: number, depth = 0): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let p = off;
  for (let hops = 0; hops < 128; hops++) {
    if (p >= b.length) throw new Error('dns: name out of bounds');
    const len = b[p]!;
    if (len === 0) {
      if (next < 0) next = p + 1;
      return { name: labels.join('.') + '.', next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (depth > 20) throw new Error('dns: compression loop');
      if (next < 0) next = p + 2;
      p = ((len & 0x3f) << 8) | b[p + 1]!;
      continue;
    }
    labels.push(b.toString('latin1', p + 1, p + 1 + len));
    p += len + 1;
  }
  throw new Error('dns: name too long');
}

function rdataText(b: Buffer, type: number, off: number, len: number): string {
  const end = off + len;
  switch (type) {
    case 1:
      return [...b.subarray(off, end)].join('.');
    case 28: {
      const groups: string[] = [];
      for (let i = off; i < end; i += 2) groups.push(b.readUInt16BE(i).toString(16));
      return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
    }
    case 2:
    case 5:
    case 12:
      return readName(b, off).name;
    case 15:
      return `${b.readUInt16BE(off)} ${readName(b, off + 2).name}`;
    case 16: {
      const out: string[] = [];
      let p = off;
      while (p < end) {
        const l = b[p]!;
        out.push(JSON.stringify(b.toString('latin1', p + 1, p + 1 + l)));
        p += l + 1;
      }
      return out.join(' ');
    }
    case 6: {
      const m = readName(b, off);
      const r = readName(b, m.next);
      const n = r.next;
      const nums = [0, 4, 8, 12, 16].map((i) => b.readUInt32BE(n + i));
      return `${m.name} ${r.name} ${nums.join(' ')}`;
    }
    case 33:
      return `${b.readUInt16BE(off)} ${b.readUInt16BE(off + 2)} ${b.readUInt16BE(off + 4)} ${readName(b, off + 6).name}`;
    case 257: {
      const flags = b[off]!;
      const tl = b[off + 1]!;
      const tag = b.toString('latin1', off + 2, off + 2 + tl);
      const value = b.toString('latin1', off + 2 + tl, end);
      return `${flags} ${tag} ${JSON.stringify(value)}`;
    }
    default:
      return b.subarray(off, end).toString('hex');
  }
}

export function decodeResponse(b: Buffer): DnsAnswer {
  if (b.length < 12) throw new Error('dns: short response');
  const flags = b.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((i) => b.readUInt16BE(i));
  let p = 12;
  const question: string[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const n = readName(b, p);
    const t = b.readUInt16BE(n.next);
    question.push(`${n.name}\tIN\t${TYPE_NAMES[t] ?? t}`);
    p = n.next + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = readName(b, p);
      const type = b.readUInt16BE(n.next);
      const klass = b.readUInt16BE(n.next + 2);
      const ttl = b.readUInt32BE(n.next + 4);
      const len = b.readUInt16BE(n.next + 8);
      const off = n.next + 10;
      if (off + len > b.length) throw new Error('dns: record out of bounds');
      sections[s]!.push({
        name: n.name,
        type: TYPE_NAMES[type] ?? `TYPE${type}`,
        ttl,
        klass,
        data: rdataText(b, type, off, len),
      });
      p = off + len;
    }
  }
  const rcode = flags & 0x0f;
  return {
    rcode,
    rcodeName: RCODES[rcode] ?? String(rcode),
    question,
    answer: sections[0]!,
    ns: sections[1]!,
    extra: sections[2]!,
  };
}

export function recordLine(r: DnsRecord): string {
  const k = r.klass === 1 ? 'IN' : r.klass === 3 ? 'CH' : String(r.klass);
  return `${r.name}\t${r.ttl}\t${k}\t${r.type}\t${r.data}`;
}
