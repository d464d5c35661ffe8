// Binary XML (BinXML) as used inside EVTX chunks: tokens, names, templates and substitution values.
// All offsets are relative to the 64 KiB chunk that holds them; names and templates are shared by the
// records of one chunk, so they are cached per chunk.
import { EvtxFormatError } from './errors.js';
import {
  needsAllData,
  FALLBACK,
  planFn,
  planFor,
  rawPlan,
  rememberRawPlan,
  type FieldFilter,
  type Plan,
  type PlanValues,
} from './plan.js';
import type { JsonObject } from './render.js';
import { decodeValue, guidAt, NestedXml, utf16, ValueType, type Value } from './values.js';

export const NodeKind = { Element: 1, Text: 2, Subst: 3, Template: 4, PI: 5 } as const;

export interface ElementNode {
  readonly k: 1;
  readonly name: string;
  readonly attrs: AttrNode[];
  readonly children: Node[];
  /** Renderer's cache: the literal Name attribute of a <Data> element (null: none; undefined: not known yet). */
  dataName: string | null | undefined;
}
export interface AttrNode {
  readonly name: string;
  readonly value: Node[];
}
export interface TextNode {
  readonly k: 2;
  readonly v: string;
  readonly cdata: boolean;
}
export interface SubstNode {
  readonly k: 3;
  readonly index: number;
  readonly optional: boolean;
}
export interface TemplateInstanceNode {
  readonly k: 4;
  readonly template: Template;
  readonly values: Value[];
}
export interface PINode {
  readonly k: 5;
  readonly target: string;
  readonly data: string;
}
export type Node = ElementNode | TextNode | SubstNode | TemplateInstanceNode | PINode;

export interface Template {
  readonly offset: number;
  readonly guid: string;
  readonly content: Node[];
}

// Nesting limit: real events nest a handful of levels; hostile files must not exhaust the stack.
const MAX_DEPTH = 48;
// A chunk is 64 KiB, so no count inside it can be larger than this.
const CHUNK_SIZE = 0x10000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const noNested = (): NestedXml => {
  throw FALLBACK;
};

/** Substitution values of the template instance being rendered by a plan, decoded on demand. */
class LazyValues implements PlanValues {
  offs = new Int32Array(64);
  sizes = new Int32Array(64);
  types = new Uint8Array(64);
  count = 0;
  filter: FieldFilter | undefined;
  allData = true;
  /** The chunk being rendered: set by renderInstance before each use (one pool for every chunk). */
  bx!: ChunkBinXml;
  constructor(readonly depth: number) {}
  grow(n: number): void {
    if (n <= this.offs.length) return;
    const m = Math.max(n, this.offs.length * 2);
    this.offs = new Int32Array(m);
    this.sizes = new Int32Array(m);
    this.types = new Uint8Array(m);
  }
  /** Values decoded by `m` for the current instance (index, value): Channel and EventID, read twice. */
  m0 = -1;
  m0v: Value = null;
  m1 = -1;
  m1v: Value = null;
  v(i: number): Value | undefined {
    if (i >= this.count) return undefined;
    if (i === this.m0) return this.m0v;
    if (i === this.m1) return this.m1v;
    const buf = this.bx.buf;
    const off = this.offs[i]!;
    const size = this.sizes[i]!;
    // Strings, most values, straight to the decoder (what decodeValue does for them, minus its dispatch).
    if (this.types[i] === ValueType.WString && off + size <= buf.length) return utf16(buf, off, off + size);
    return decodeValue(buf, off, size, this.types[i]!, noNested);
  }
  m(i: number): Value | undefined {
    if (i === this.m0) return this.m0v;
    if (i === this.m1) return this.m1v;
    const v = this.v(i);
    if (i < this.count) {
      if (this.m0 < 0) {
        this.m0 = i;
        this.m0v = v!;
      } else if (this.m1 < 0) {
        this.m1 = i;
        this.m1v = v!;
      }
    }
    return v;
  }
  x(i: number): boolean {
    return i < this.count && this.types[i] === 0x21 && this.sizes[i]! > 0;
  }
  n(i: number, scope: string): JsonObject | null {
    if (i >= this.count) return null;
    const size = this.sizes[i]!;
    const type = this.types[i]!;
    if (size === 0 || type === 0) return null;
    if (type !== 0x21) throw FALLBACK; // text next to elements: generic path
    const off = this.offs[i]!;
    return this.bx.renderInstance(off, off + size, scope, this.filter, this.depth + 1, this.allData);
  }
}

// Value tables by nesting depth, shared by every chunk: rendering a record is synchronous, so one table per
// depth is in use at a time, and a chunk (some 40 records) need not allocate its own.
const lazyPool: LazyValues[] = [];

export class ChunkBinXml {
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, Template>();
  private readonly parsing = new Set<number>();
  private readonly plans = new Map<number, Plan | null>();

  constructor(readonly buf: Buffer) {}

  /**
   * The fast path (see plan.ts): render the record fragment in [pos, end) straight to its JSON object when
   * it is a template instance (nested BinXML values likewise) whose templates compile; otherwise null (the
   * caller uses parseFragment + renderJson). Values are decoded only where the plan puts them.
   */
  renderRecord(pos: number, end: number, filter: FieldFilter | undefined): JsonObject | null {
    try {
      return this.renderInstance(pos, end, 'top', filter, 0);
    } catch (err) {
      if (err === FALLBACK) return null;
      throw err;
    }
  }

  /** Name references (not inline) seen while parsing a template definition, when tracking. */
  private refs: number[] | null = null;

  /** The compiled plan of the template defined at `offset` (shared across chunks by raw bytes). */
  private planAt(offset: number, depth: number): Plan | null {
    let plan = this.plans.get(offset);
    if (plan !== undefined) return plan;
    const buf = this.buf;
    if (offset < 512 || offset + 24 > buf.length)
      this.fail(`template offset 0x${offset.toString(16)} outside chunk`, offset);
    const start = offset + 24;
    const size = buf.readUInt32LE(offset + 20);
    if (start + size > buf.length) this.fail('template beyond chunk', offset);
    // Key: the template GUID and size; the bytes are compared in full on lookup (memcmp, cheaper than a
    // checksum over them).
    const key =
      (buf.readInt32LE(offset + 4) ^
        Math.imul(buf.readInt32LE(offset + 8), 31) ^
        Math.imul(buf.readInt32LE(offset + 12), 961) ^
        Math.imul(buf.readInt32LE(offset + 16), 29791) ^
        size) >>>
      0;
    plan = rawPlan(key, buf, start, start + size, (o) => this.nameAt(o));
    if (plan === undefined) {
      const tracked = !this.templates.has(offset);
      this.refs = tracked ? [] : null;
      let refs: number[] | null;
      let template: Template;
      try {
        template = this.template(offset, depth);
      } finally {
        refs = this.refs;
        this.refs = null;
      }
      plan = planFor(template.content);
      if (refs !== null)
        rememberRawPlan(
          key,
          buf.subarray(start, start + size),
          // Each referenced name once (a template names Data and Name once per field).
          [...new Set(refs)].map((o): [number, string] => [o, this.nameAt(o)]),
          plan,
        );
    }
    this.plans.set(offset, plan);
    return plan;
  }

  /** @internal One template instance (a record, or a nested BinXML value at `depth` > 0). */
  renderInstance(
    pos: number,
    end: number,
    kind: string,
    filter: FieldFilter | undefined,
    depth: number,
    allData = true,
  ): JsonObject {
    if (depth > 8) throw FALLBACK;
    const buf = this.buf;
    if (pos < end && buf[pos] === 0x0f) pos += 4;
    if (pos >= end || (buf[pos]! & 0xbf) !== 0x0c) throw FALLBACK;
    this.need(pos, 10, end);
    const defOffset = buf.readUInt32LE(pos + 6);
    pos += 10;
    const plan = this.planAt(defOffset, depth);
    if (defOffset === pos) pos = defOffset + 24 + buf.readUInt32LE(defOffset + 20);
    this.need(pos, 4, end);
    const count = buf.readUInt32LE(pos);
    pos += 4;
    if (count > CHUNK_SIZE / 4) this.fail(`${count} substitution values`, pos - 4);
    this.need(pos, count * 4, end);
    const vals = (lazyPool[depth] ??= new LazyValues(depth));
    vals.bx = this;
    vals.grow(count);
    let data = pos + count * 4;
    const { offs, sizes, types } = vals;
    // The descriptors are inside [pos, end) (checked above): plain byte reads.
    for (let i = 0, d = pos; i < count; i++, d += 4) {
      const size = buf[d]! | (buf[d + 1]! << 8);
      if (data + size > end) this.fail('BinXML token beyond its data', data);
      offs[i] = data;
      sizes[i] = size;
      types[i] = buf[d + 2]!;
      data += size;
    }
    vals.count = count;
    vals.m0 = vals.m1 = -1;
    // Only a lone instance (optionally followed by end of stream) takes the fast path.
    if (data < end && buf[data] !== 0x00) throw FALLBACK;
    if (plan === null) throw FALLBACK;
    const all = kind === 'top' ? needsAllData(plan, vals, filter) : allData;
    vals.filter = filter;
    vals.allData = all;
    const fn = planFn(plan, kind, filter, all);
    if (fn === null) throw FALLBACK;
    return fn(vals);
  }

  /** Parse one BinXML fragment stream in [pos, end) into nodes. */
  parseFragment(pos: number, end: number, depth = 0): Node[] {
    const out: Node[] = [];
    this.parseNodes(pos, end, depth, out, false);
    return out;
  }

  private fail(message: string, offset: number): never {
    throw new EvtxFormatError(message, offset);
  }

  private need(pos: number, n: number, end: number): void {
    if (pos + n > end) this.fail('BinXML token beyond its data', pos);
  }

  /**
   * Parse tokens from pos; in element content (`inElement`) stop after the closing EndElement token,
   * at top level stop at EndOfStream or `end`. Returns the position after the last token consumed.
   */
  private parseNodes(pos: number, end: number, depth: number, out: Node[], inElement: boolean): number {
    if (depth > MAX_DEPTH) this.fail('BinXML nested too deeply', pos);
    const buf = this.buf;
    while (pos < end) {
      const tok = buf[pos]!;
      switch (tok & 0xbf) {
        case 0x00: // EndOfStream
          if (inElement) this.fail('end of stream inside an element', pos);
          return pos + 1;
        case 0x01:
          pos = this.parseElement(pos, end, depth + 1, out);
          break;
        case 0x04: // EndElement
          if (!inElement) this.fail('unexpected end element', pos);
          return pos + 1;
        case 0x05: {
          this.need(pos, 4, end);
          const n = buf.readUInt16LE(pos + 2);
          this.need(pos + 4, n * 2, end);
          out.push({ k: 2, v: buf.toString('utf16le', pos + 4, pos + 4 + n * 2), cdata: false });
          pos += 4 + n * 2;
          break;
        }
        case 0x07: {
          this.need(pos, 3, end);
          const n = buf.readUInt16LE(pos + 1);
          this.need(pos + 3, n * 2, end);
          out.push({ k: 2, v: buf.toString('utf16le', pos + 3, pos + 3 + n * 2), cdata: true });
          pos += 3 + n * 2;
          break;
        }
        case 0x08: {
          this.need(pos, 3, end);
          out.push({ k: 2, v: String.fromCharCode(buf.readUInt16LE(pos + 1)), cdata: false });
          pos += 3;
          break;
        }
        case 0x09: {
          this.need(pos, 5, end);
          const r = this.name(buf.readUInt32LE(pos + 1), pos + 5, end);
          out.push({ k: 2, v: ENTITIES[r.name] ?? `&${r.name};`, cdata: false });
          pos = r.pos;
          break;
        }
        case 0x0a: {
          this.need(pos, 5, end);
          const r = this.name(buf.readUInt32LE(pos + 1), pos + 5, end);
          pos = r.pos;
          let data = '';
          if (pos < end && buf[pos] === 0x0b) {
            this.need(pos, 3, end);
            const n = buf.readUInt16LE(pos + 1);
            this.need(pos + 3, n * 2, end);
            data = buf.toString('utf16le', pos + 3, pos + 3 + n * 2);
            pos += 3 + n * 2;
          }
          out.push({ k: 5, target: r.name, data });
          break;
        }
        case 0x0c:
          pos = this.parseTemplateInstance(pos, end, depth + 1, out);
          break;
        case 0x0d:
        case 0x0e:
          this.need(pos, 4, end);
          out.push({ k: 3, index: buf.readUInt16LE(pos + 1), optional: tok === 0x0e });
          pos += 4;
          break;
        case 0x0f: // fragment header: token, major, minor, flags
          pos += 4;
          break;
        default:
          this.fail(`unknown BinXML token 0x${tok.toString(16)}`, pos);
      }
    }
    if (inElement) this.fail('element not closed before end of data', pos);
    return pos;
  }

  private parseElement(pos: number, end: number, depth: number, out: Node[]): number {
    const buf = this.buf;
    const hasAttrs = (buf[pos]! & 0x40) !== 0;
    // token, dependency id (2), data size (4), name offset (4)
    this.need(pos, 11, end);
    const r = this.name(buf.readUInt32LE(pos + 7), pos + 11, end);
    pos = r.pos;
    const attrs: AttrNode[] = [];
    if (hasAttrs) {
      this.need(pos, 4, end);
      pos += 4; // attribute list size: the tokens themselves tell where it ends
      while (pos < end && (buf[pos]! & 0xbf) === 0x06) {
        this.need(pos, 5, end);
        const an = this.name(buf.readUInt32LE(pos + 1), pos + 5, end);
        pos = an.pos;
        const value: Node[] = [];
        pos = this.parseAttrValue(pos, end, depth, value);
        attrs.push({ name: an.name, value });
      }
    }
    if (pos >= end) this.fail('element start not closed', pos);
    const close = buf[pos]!;
    const el: ElementNode = { k: 1, name: r.name, attrs, children: [], dataName: undefined };
    out.push(el);
    if (close === 0x03) return pos + 1;
    if (close !== 0x02) this.fail(`bad token 0x${close.toString(16)} after element start`, pos);
    return this.parseNodes(pos + 1, end, depth, el.children, true);
  }

  /** Attribute values: value, substitution, character and entity references, until the next other token. */
  private parseAttrValue(pos: number, end: number, depth: number, out: Node[]): number {
    const buf = this.buf;
    while (pos < end) {
      const t = buf[pos]! & 0xbf;
      if (t !== 0x05 && t !== 0x0d && t !== 0x0e && t !== 0x08 && t !== 0x09 && t !== 0x07) return pos;
      // Re-use the content parser for one token; it stops at `pos + token length` by construction.
      const before = out.length;
      pos = this.parseOne(pos, end, depth, out);
      if (out.length === before) this.fail('empty attribute value token', pos);
    }
    return pos;
  }

  private parseOne(pos: number, end: number, depth: number, out: Node[]): number {
    const buf = this.buf;
    const tok = buf[pos]!;
    const t = tok & 0xbf;
    if (t === 0x05) {
      this.need(pos, 4, end);
      const n = buf.readUInt16LE(pos + 2);
      this.need(pos + 4, n * 2, end);
      out.push({ k: 2, v: buf.toString('utf16le', pos + 4, pos + 4 + n * 2), cdata: false });
      return pos + 4 + n * 2;
    }
    if (t === 0x0d || t === 0x0e) {
      this.need(pos, 4, end);
      out.push({ k: 3, index: buf.readUInt16LE(pos + 1), optional: t === 0x0e });
      return pos + 4;
    }
    if (t === 0x08) {
      this.need(pos, 3, end);
      out.push({ k: 2, v: String.fromCharCode(buf.readUInt16LE(pos + 1)), cdata: false });
      return pos + 3;
    }
    if (t === 0x07) {
      this.need(pos, 3, end);
      const n = buf.readUInt16LE(pos + 1);
      this.need(pos + 3, n * 2, end);
      out.push({ k: 2, v: buf.toString('utf16le', pos + 3, pos + 3 + n * 2), cdata: true });
      return pos + 3 + n * 2;
    }
    // 0x09 entity reference
    this.need(pos, 5, end);
    const r = this.name(buf.readUInt32LE(pos + 1), pos + 5, end);
    out.push({ k: 2, v: ENTITIES[r.name] ?? `&${r.name};`, cdata: false });
    void depth;
    return r.pos;
  }

  /**
   * A name reference: when the offset points at the current position the name is stored inline
   * (next-offset 4, hash 2, count 2, UTF-16 chars, NUL 2) and is skipped; otherwise it was stored earlier.
   */
  private name(offset: number, pos: number, end: number): { name: string; pos: number } {
    if (offset === pos) {
      const name = this.nameAt(offset);
      const size = 8 + name.length * 2 + 2;
      this.need(pos, size, end);
      return { name, pos: pos + size };
    }
    this.refs?.push(offset);
    return { name: this.nameAt(offset), pos };
  }

  private nameAt(offset: number): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    const buf = this.buf;
    if (offset < 128 || offset + 8 > buf.length)
      this.fail(`name offset 0x${offset.toString(16)} outside chunk`, offset);
    const n = buf.readUInt16LE(offset + 6);
    if (offset + 8 + n * 2 > buf.length) this.fail('name beyond chunk', offset);
    const name = buf.toString('utf16le', offset + 8, offset + 8 + n * 2);
    this.names.set(offset, name);
    return name;
  }

  private template(offset: number, depth: number): Template {
    const cached = this.templates.get(offset);
    if (cached) return cached;
    const buf = this.buf;
    if (offset < 512 || offset + 24 > buf.length)
      this.fail(`template offset 0x${offset.toString(16)} outside chunk`, offset);
    if (this.parsing.has(offset)) this.fail('template refers to itself', offset);
    const size = buf.readUInt32LE(offset + 20);
    const start = offset + 24;
    if (start + size > buf.length) this.fail('template beyond chunk', offset);
    this.parsing.add(offset);
    try {
      const t: Template = {
        offset,
        guid: guidAt(buf, offset + 4),
        content: this.parseFragment(start, start + size, depth),
      };
      this.templates.set(offset, t);
      return t;
    } finally {
      this.parsing.delete(offset);
    }
  }

  private parseTemplateInstance(pos: number, end: number, depth: number, out: Node[]): number {
    const buf = this.buf;
    // token, unknown (1), template id (4), definition offset (4)
    this.need(pos, 10, end);
    const defOffset = buf.readUInt32LE(pos + 6);
    pos += 10;
    const template = this.template(defOffset, depth);
    if (defOffset === pos) pos = defOffset + 24 + buf.readUInt32LE(defOffset + 20);
    this.need(pos, 4, end);
    const count = buf.readUInt32LE(pos);
    pos += 4;
    if (count > CHUNK_SIZE / 4) this.fail(`${count} substitution values`, pos - 4);
    this.need(pos, count * 4, end);
    const values: Value[] = new Array<Value>(count);
    let data = pos + count * 4;
    const nested = (o: number, e: number): NestedXml => new NestedXml(this.parseFragment(o, e, depth + 1));
    for (let i = 0; i < count; i++) {
      const size = buf.readUInt16LE(pos + i * 4);
      const type = buf[pos + i * 4 + 2]!;
      this.need(data, size, end);
      values[i] = decodeValue(buf, data, size, type, nested);
      data += size;
    }
    out.push({ k: 4, template, values });
    return data;
  }
}
