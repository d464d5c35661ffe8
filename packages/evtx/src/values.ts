// Decoding of BinXML substitution values (the "value types" of the EVTX format) into JSON-ready values.
// Rendering follows the shape of SigmaHQ's regression JSON: integers as numbers, HexInt as "0x…" lowercase,
// GUIDs uppercase without braces, FILETIME as ISO 8601 with microseconds, SIDs as "S-1-…".
import { EvtxFormatError } from './errors.js';

export const ValueType = {
  Null: 0x00,
  WString: 0x01,
  String: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SystemTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
} as const;

export const ARRAY_FLAG = 0x80;

/** A decoded value; nested BinXML is kept as parsed content for the renderers. */
export type Value = null | string | number | boolean | Value[] | NestedXml;

/** Marker for a BinXML value (type 0x21): parsed content rendered in place. */
export class NestedXml {
  constructor(readonly content: unknown[]) {}
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0').toUpperCase());

export function hexUpper(buf: Buffer, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[buf[i]!]!;
  return s;
}

function readU64(buf: Buffer, off: number): number | string {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  if (hi < 0x200000) return hi * 4294967296 + lo;
  // Beyond 2^53 a JSON number would lose digits: keep the exact decimal as a string.
  return buf.readBigUInt64LE(off).toString();
}

function readI64(buf: Buffer, off: number): number | string {
  const v = buf.readBigInt64LE(off);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
}

// HexInt64 values with a zero low half (System/Keywords: 0x8000000000000000, 0x8020000000000000, …) are
// in every record and take few values: remember their text (Number#toString(16) of a value over 2^31
// is not cheap).
const hex64High = new Map<number, string>();

function hex64(buf: Buffer, off: number): string {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  if (hi === 0) return '0x' + lo.toString(16);
  if (lo === 0) {
    let s = hex64High.get(hi);
    if (s === undefined) {
      s = '0x' + hi.toString(16) + '00000000';
      if (hex64High.size >= 256) hex64High.clear();
      hex64High.set(hi, s);
    }
    return s;
  }
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** GUID in its registry form without braces, uppercase: the first three groups are little-endian. */
export function guidAt(buf: Buffer, off: number): string {
  // No helper closure: this runs for every GUID value of every record.
  const H = HEX;
  return (
    H[buf[off + 3]!]! +
    H[buf[off + 2]!]! +
    H[buf[off + 1]!]! +
    H[buf[off]!]! +
    '-' +
    H[buf[off + 5]!]! +
    H[buf[off + 4]!]! +
    '-' +
    H[buf[off + 7]!]! +
    H[buf[off + 6]!]! +
    '-' +
    H[buf[off + 8]!]! +
    H[buf[off + 9]!]! +
    '-' +
    H[buf[off + 10]!]! +
    H[buf[off + 11]!]! +
    H[buf[off + 12]!]! +
    H[buf[off + 13]!]! +
    H[buf[off + 14]!]! +
    H[buf[off + 15]!]!
  );
}

// 1601-01-01 → 1970-01-01 in seconds.
const EPOCH_DIFF_S = 11644473600;
let lastSecond = NaN;
let lastSecondText = '';
// Logs interleave a few time ranges (several sources, or our benchmark's samples): remember recent seconds.
const secondText = new Map<number, string>();

/** FILETIME (100 ns ticks since 1601) → "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
export function fileTimeAt(buf: Buffer, off: number): string {
  return fileTime(buf.readUInt32LE(off), buf.readUInt32LE(off + 4));
}

/** FILETIME given as its low and high 32-bit halves. */
export function fileTime(lo: number, hi: number): string {
  // ticks = hi·2^32 + lo, split so that no intermediate exceeds 2^53 for realistic dates: 2^32 = 429·10^7 + 4967296.
  const a = hi * 4967296 + lo;
  const secs = hi * 429 + Math.floor(a / 1e7);
  const rem = a % 1e7;
  const unix = secs - EPOCH_DIFF_S;
  let base: string;
  if (unix === lastSecond) base = lastSecondText;
  else {
    const ms = unix * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
      return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
    }
    let b = secondText.get(unix);
    if (b === undefined) {
      b = new Date(ms).toISOString().slice(0, 19);
      if (secondText.size >= 4096) secondText.clear();
      secondText.set(unix, b);
    }
    base = b;
    lastSecond = unix;
    lastSecondText = base;
  }
  return base + '.' + String(Math.floor(rem / 10)).padStart(6, '0') + 'Z';
}

function systemTimeAt(buf: Buffer, off: number): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const y = buf.readUInt16LE(off);
  const mo = buf.readUInt16LE(off + 2);
  const d = buf.readUInt16LE(off + 6);
  const h = buf.readUInt16LE(off + 8);
  const mi = buf.readUInt16LE(off + 10);
  const s = buf.readUInt16LE(off + 12);
  const ms = buf.readUInt16LE(off + 14);
  return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}.${String(ms).padStart(3, '0')}Z`;
}

function sidAt(buf: Buffer, off: number, end: number): string {
  if (off + 8 > end) throw new EvtxFormatError('SID too short', off);
  const rev = buf[off]!;
  const count = buf[off + 1]!;
  if (off + 8 + count * 4 > end) throw new EvtxFormatError('SID sub-authorities beyond value', off);
  // The identifier authority is a 48-bit big-endian number.
  const auth = buf.readUInt16BE(off + 2) * 4294967296 + buf.readUInt32BE(off + 4);
  let s = `S-${rev}-${auth}`;
  for (let i = 0; i < count; i++) s += '-' + buf.readUInt32LE(off + 8 + i * 4);
  return s;
}

/** Decode a UTF-16LE string, dropping trailing NULs. */
export function utf16(buf: Buffer, start: number, end: number): string {
  while (end - 2 >= start && buf[end - 1] === 0 && buf[end - 2] === 0) end -= 2;
  // Buffer's own decoder method, without toString's encoding dispatch and argument checks (hot path).
  return ucs2Slice !== undefined && end >= start && ((end - start) & 1) === 0
    ? ucs2Slice.call(buf, start, end)
    : buf.toString('utf16le', start, end);
}

const ucs2Slice = (Buffer.prototype as unknown as { ucs2Slice?: (s: number, e: number) => string }).ucs2Slice;

const fixedSize: Record<number, number> = {
  [ValueType.Int8]: 1,
  [ValueType.UInt8]: 1,
  [ValueType.Int16]: 2,
  [ValueType.UInt16]: 2,
  [ValueType.Int32]: 4,
  [ValueType.UInt32]: 4,
  [ValueType.Int64]: 8,
  [ValueType.UInt64]: 8,
  [ValueType.Real32]: 4,
  [ValueType.Real64]: 8,
  [ValueType.Bool]: 4,
  [ValueType.Guid]: 16,
  [ValueType.FileTime]: 8,
  [ValueType.SystemTime]: 16,
  [ValueType.HexInt32]: 4,
  [ValueType.HexInt64]: 8,
};

/**
 * Decode one scalar value of `type` stored in buf[off, off+size). `nested` parses BinXML (type 0x21);
 * it is passed in to keep this module free of the BinXML parser.
 */
export function decodeValue(
  buf: Buffer,
  off: number,
  size: number,
  type: number,
  nested: (off: number, end: number) => NestedXml,
): Value {
  const end = off + size;
  if (end > buf.length) throw new EvtxFormatError(`value of ${size} bytes beyond chunk`, off);
  if (type & ARRAY_FLAG) return decodeArray(buf, off, size, type & 0x7f);
  const need = fixedSize[type];
  if (need !== undefined && size < need) {
    // Windows writes size 0 for optional values that are absent.
    if (size === 0) return null;
    throw new EvtxFormatError(`value type 0x${type.toString(16)} needs ${need} bytes, has ${size}`, off);
  }
  switch (type) {
    case ValueType.Null:
      return null;
    case ValueType.WString:
      return utf16(buf, off, end);
    case ValueType.String: {
      let e = end;
      while (e > off && buf[e - 1] === 0) e--;
      return buf.toString('latin1', off, e);
    }
    case ValueType.Int8:
      return buf.readInt8(off);
    case ValueType.UInt8:
      return buf[off]!;
    case ValueType.Int16:
      return buf.readInt16LE(off);
    case ValueType.UInt16:
      return buf.readUInt16LE(off);
    case ValueType.Int32:
      return buf.readInt32LE(off);
    case ValueType.UInt32:
      return buf.readUInt32LE(off);
    case ValueType.Int64:
      return readI64(buf, off);
    case ValueType.UInt64:
      return readU64(buf, off);
    case ValueType.Real32:
      return buf.readFloatLE(off);
    case ValueType.Real64:
      return buf.readDoubleLE(off);
    case ValueType.Bool:
      return buf.readUInt32LE(off) !== 0;
    case ValueType.Binary:
      return hexUpper(buf, off, end);
    case ValueType.Guid:
      return guidAt(buf, off);
    case ValueType.SizeT:
      if (size === 4) return '0x' + buf.readUInt32LE(off).toString(16).padStart(8, '0');
      if (size === 8) return '0x' + hex64(buf, off).slice(2).padStart(16, '0');
      if (size === 0) return null;
      throw new EvtxFormatError(`SizeT of ${size} bytes`, off);
    case ValueType.FileTime:
      return fileTimeAt(buf, off);
    case ValueType.SystemTime:
      return systemTimeAt(buf, off);
    case ValueType.Sid:
      if (size === 0) return null;
      return sidAt(buf, off, end);
    case ValueType.HexInt32:
      return '0x' + buf.readUInt32LE(off).toString(16);
    case ValueType.HexInt64:
      return hex64(buf, off);
    case ValueType.BinXml:
      if (size === 0) return null;
      return nested(off, end);
    case ValueType.EvtHandle:
    case ValueType.EvtXml:
      return hexUpper(buf, off, end);
    default:
      throw new EvtxFormatError(`unknown value type 0x${type.toString(16)}`, off);
  }
}

function decodeArray(buf: Buffer, off: number, size: number, base: number): Value[] {
  const end = off + size;
  const out: Value[] = [];
  if (base === ValueType.WString) {
    // NUL-terminated UTF-16 strings, one after another.
    let s = off;
    for (let i = off; i + 1 < end; i += 2) {
      if (buf[i] === 0 && buf[i + 1] === 0) {
        out.push(buf.toString('utf16le', s, i));
        s = i + 2;
      }
    }
    if (s + 1 < end) out.push(buf.toString('utf16le', s, end - ((end - s) & 1)));
    return out;
  }
  if (base === ValueType.String) {
    let s = off;
    for (let i = off; i < end; i++) {
      if (buf[i] === 0) {
        out.push(buf.toString('latin1', s, i));
        s = i + 1;
      }
    }
    if (s < end) out.push(buf.toString('latin1', s, end));
    return out;
  }
  let width = fixedSize[base];
  if (base === ValueType.SizeT) width = 8;
  if (width === undefined) {
    if (base === ValueType.Sid) {
      // SIDs are variable length: 8 bytes plus 4 per sub-authority.
      let p = off;
      while (p + 8 <= end) {
        const n = 8 + buf[p + 1]! * 4;
        if (p + n > end) break;
        out.push(sidAt(buf, p, end));
        p += n;
      }
      return out;
    }
    throw new EvtxFormatError(`array of value type 0x${base.toString(16)} not supported`, off);
  }
  const noNested = (): NestedXml => {
    throw new EvtxFormatError('nested BinXML in array', off);
  };
  for (let p = off; p + width <= end; p += width) out.push(decodeValue(buf, p, width, base, noNested));
  return out;
}
