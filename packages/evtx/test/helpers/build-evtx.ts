// Writes small synthetic EVTX files for tests: one chunk, records made of a template instance whose template
// is defined inline on first use, names inline on first use, correct CRCs. Built from the format description,
// independently of the reader, so the two check each other.
import { crc32 } from 'node:zlib';

export type XValue = { text: string } | { sub: number; optional?: boolean };
export interface XElement {
  el: string;
  attrs?: Array<[string, XValue]>;
  children?: Array<XElement | XValue>;
}
export type XSubst =
  | { type: number; bytes: Buffer }
  | { type: 0x21; nested: XElement }
  | { type: 0x21; instance: { template: XElement; values: XSubst[] } };
export interface XRecord {
  id: number;
  template: XElement;
  values: XSubst[];
}

class Writer {
  readonly buf = Buffer.alloc(2 * 65536);
  pos = 0;
  names = new Map<string, number>();
  templates = new Map<XElement, number>();

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  bytes(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  name(n: string): void {
    const at = this.names.get(n);
    if (at !== undefined) return this.u32(at);
    const here = this.pos + 4;
    this.u32(here);
    this.names.set(n, here);
    this.u32(0); // next string offset
    this.u16(0); // hash (not checked by readers)
    this.u16(n.length);
    this.bytes(Buffer.from(n, 'utf16le'));
    this.u16(0);
  }

  value(v: XValue): void {
    if ('text' in v) {
      this.u8(0x05);
      this.u8(0x01);
      this.u16(v.text.length);
      this.bytes(Buffer.from(v.text, 'utf16le'));
    } else {
      this.u8(v.optional ? 0x0e : 0x0d);
      this.u16(v.sub);
      this.u8(0x01);
    }
  }

  element(e: XElement): void {
    const attrs = e.attrs ?? [];
    this.u8(attrs.length ? 0x41 : 0x01);
    this.u16(0xffff); // dependency id
    const sizeAt = this.pos;
    this.u32(0); // data size: everything after this field up to and including the end token, patched below
    this.name(e.el);
    if (attrs.length) {
      const listAt = this.pos;
      this.u32(0);
      attrs.forEach(([n, v], i) => {
        this.u8(i < attrs.length - 1 ? 0x46 : 0x06);
        this.name(n);
        this.value(v);
      });
      this.buf.writeUInt32LE(this.pos - listAt - 4, listAt);
    }
    const children = e.children ?? [];
    if (children.length === 0) this.u8(0x03);
    else {
      this.u8(0x02);
      for (const c of children) {
        if ('el' in c) this.element(c);
        else this.value(c);
      }
      this.u8(0x04);
    }
    this.buf.writeUInt32LE(this.pos - sizeAt - 4, sizeAt);
  }

  fragment(root: XElement): void {
    this.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
    this.element(root);
    this.u8(0x00);
  }

  templateInstance(t: XElement, values: XSubst[]): void {
    this.u8(0x0c);
    this.u8(0x01);
    this.u32(0x1234);
    const known = this.templates.get(t);
    if (known !== undefined) this.u32(known);
    else {
      const def = this.pos + 4;
      this.u32(def);
      this.templates.set(t, def);
      this.u32(0); // next template
      this.bytes(Buffer.alloc(16, 0xab)); // GUID
      const sizeAt = this.pos;
      this.u32(0);
      const start = this.pos;
      this.fragment(t);
      this.buf.writeUInt32LE(this.pos - start, sizeAt);
    }
    this.u32(values.length);
    const desc = this.pos;
    this.pos += values.length * 4;
    values.forEach((v, i) => {
      const start = this.pos;
      // Nested BinXML is written in place so that its inline names carry their real chunk offsets.
      if ('nested' in v) this.fragment(v.nested);
      else if ('instance' in v) {
        this.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
        this.templateInstance(v.instance.template, v.instance.values);
        this.u8(0x00);
      } else this.bytes(v.bytes);
      this.buf.writeUInt16LE(this.pos - start, desc + i * 4);
      this.buf[desc + i * 4 + 2] = v.type;
    });
  }
}

const FILETIME_2025 = 133800000000000000n; // 2024-12-27T…Z

/** Pack records into as few full chunks as they need (templates and names defined once per chunk). */
export function buildChunks(records: XRecord[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  while (from < records.length) {
    const { chunk, used } = packChunk(records, from);
    if (used === 0) throw new Error('record larger than a chunk');
    out.push(chunk);
    from += used;
  }
  return out;
}

export function buildChunk(records: XRecord[]): Buffer {
  const { chunk, used } = packChunk(records);
  if (used !== records.length) throw new Error('records do not fit in one chunk');
  return chunk;
}

function packChunk(records: XRecord[], from = 0): { chunk: Buffer; used: number } {
  const w = new Writer();
  w.pos = 512;
  let last = 512;
  let used = 0;
  for (let i = from; i < records.length; i++) {
    const r = records[i]!;
    const start = w.pos;
    const names = new Set(w.names.keys());
    const templates = new Set(w.templates.keys());
    w.u32(0x00002a2a);
    w.u32(0); // size, fixed below
    w.buf.writeBigUInt64LE(BigInt(r.id), w.pos);
    w.pos += 8;
    w.buf.writeBigUInt64LE(FILETIME_2025, w.pos);
    w.pos += 8;
    w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
    w.templateInstance(r.template, r.values);
    w.u8(0x00);
    while ((w.pos + 4 - start) % 8) w.u8(0);
    const size = w.pos + 4 - start;
    w.u32(size);
    if (w.pos > 65536) {
      // Does not fit: undo this record, including the names and templates it defined.
      w.buf.fill(0, start);
      w.pos = start;
      for (const k of [...w.names.keys()]) if (!names.has(k)) w.names.delete(k);
      for (const k of [...w.templates.keys()]) if (!templates.has(k)) w.templates.delete(k);
      break;
    }
    w.buf.writeUInt32LE(size, start + 4);
    last = start;
    used++;
  }
  const b = Buffer.from(w.buf.subarray(0, 65536));
  b.write('ElfChnk\0', 0, 'latin1');
  const first = BigInt(records[from]?.id ?? 0);
  const lastId = BigInt(records[from + Math.max(0, used - 1)]?.id ?? 0);
  b.writeBigUInt64LE(first, 8);
  b.writeBigUInt64LE(lastId, 16);
  b.writeBigUInt64LE(first, 24);
  b.writeBigUInt64LE(lastId, 32);
  b.writeUInt32LE(128, 40);
  b.writeUInt32LE(last, 44);
  b.writeUInt32LE(w.pos, 48);
  b.writeUInt32LE(crc32(b.subarray(512, w.pos)), 52);
  b.writeUInt32LE(crc32(b.subarray(128, 512), crc32(b.subarray(0, 120))), 124);
  return { chunk: b, used };
}

export function buildFile(chunks: Buffer[]): Buffer {
  const h = Buffer.alloc(4096);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(Math.max(0, chunks.length - 1)), 16);
  h.writeUInt32LE(128, 32);
  h.writeUInt16LE(1, 36);
  h.writeUInt16LE(3, 38);
  h.writeUInt16LE(4096, 40);
  h.writeUInt16LE(chunks.length, 42);
  h.writeUInt32LE(crc32(h.subarray(0, 120)), 124);
  return Buffer.concat([h, ...chunks]);
}
