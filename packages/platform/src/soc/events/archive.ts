// Archive files of expired raw events: gzip NDJSON, one gzip member appended per group of events (readers see
// concatenated members as one stream). Each member carries, in its gzip extra field (RFC 1952 FEXTRA, subfield
// "Mm"), its own length and a key derived from the ids of the events in it. That makes the append idempotent:
// before appending, the file's members are walked (header to header, no decompression) and a member whose key
// is already there is not written again — a pass retried after a crash between the fsync and the delete, or
// a second runner that selected the same events, adds nothing. A torn last member (a crash mid-write) is cut
// off first, so the file stays readable. Files written before this format (members without the subfield) are
// appended to without the check.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';

const KEY_HEX = 32;
const LEN_DIGITS = 12;
// "v1 " + 12-digit member length + " " + 32 hex key
const DATA_LEN = 3 + LEN_DIGITS + 1 + KEY_HEX;
const EXTRA_LEN = 4 + DATA_LEN;
const HEADER_LEN = 10 + 2 + EXTRA_LEN;

/** The key of a member: the ids of its events, in order. */
export function memberKey(ids: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of ids) h.update(id).update('\n');
  return h.digest('hex').slice(0, KEY_HEX);
}

/** One gzip member with the key and its total length in the extra field. */
export function gzipMember(body: Buffer, key: string): Buffer {
  const deflated = deflateRawSync(body);
  const total = HEADER_LEN + deflated.length + 8;
  const head = Buffer.alloc(HEADER_LEN);
  head.writeUInt16BE(0x1f8b, 0);
  head[2] = 8; // deflate
  head[3] = 0x04; // FEXTRA
  // mtime 0, XFL 0, OS 255 (unknown): the same events give the same bytes.
  head[9] = 255;
  head.writeUInt16LE(EXTRA_LEN, 10);
  head[12] = 0x4d; // 'M'
  head[13] = 0x6d; // 'm'
  head.writeUInt16LE(DATA_LEN, 14);
  head.write(`v1 ${String(total).padStart(LEN_DIGITS, '0')} ${key}`, 16, 'latin1');
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(body) >>> 0, 0);
  tail.writeUInt32LE(body.length >>> 0, 4);
  return Buffer.concat([head, deflated, tail], total);
}

interface Scan {
  /** End of the last whole member (where the next one goes). */
  end: number;
  keys: Set<string>;
  /** A member without our extra field was found: keys are not known past it. */
  legacy: boolean;
}

/** The fixed first bytes of every member this module writes (up to the length digits). */
function signature(): Buffer {
  const sig = Buffer.alloc(19);
  sig.writeUInt16BE(0x1f8b, 0);
  sig[2] = 8;
  sig[3] = 0x04;
  sig[9] = 255;
  sig.writeUInt16LE(EXTRA_LEN, 10);
  sig[12] = 0x4d;
  sig[13] = 0x6d;
  sig.writeUInt16LE(DATA_LEN, 14);
  sig.write('v1 ', 16, 'latin1');
  return sig;
}
const SIG = signature();

function scan(fd: number, size: number): Scan {
  const keys = new Set<string>();
  const head = Buffer.alloc(HEADER_LEN);
  let pos = 0;
  while (pos < size) {
    const n = readSync(fd, head, 0, HEADER_LEN, pos);
    const k = Math.min(n, SIG.length);
    const ours = head.subarray(0, k).equals(SIG.subarray(0, k));
    if (!ours) {
      // The first member is not one of ours: a file of the older layout (or not ours at all). Kept as it is,
      // appended to without the check. After our own members, anything else is a torn write: cut.
      if (pos === 0) return { end: size, keys, legacy: true };
      return { end: pos, keys, legacy: false };
    }
    const m =
      n === HEADER_LEN
        ? /^v1 (\d{12}) ([0-9a-f]{32})$/.exec(head.toString('latin1', 16, 16 + DATA_LEN))
        : null;
    if (!m) return { end: pos, keys, legacy: false }; // a torn header: cut here
    const len = Number(m[1]);
    if (pos + len > size) return { end: pos, keys, legacy: false }; // torn member: cut here
    keys.add(m[2]!);
    pos += len;
  }
  return { end: pos, keys, legacy: false };
}

export interface AppendResult {
  /** false: a member with this key was already in the file (nothing written). */
  appended: boolean;
  bytes: number;
  /** Bytes of a torn tail cut off before appending. */
  repaired: number;
}

/** Known ends and keys of files this process wrote (a file whose size moved is walked again). */
const known = new Map<string, Scan & { size: number }>();

/** Appends `body` as one member unless a member with `key` is already there; fsynced before returning. */
export function appendArchiveMember(path: string, key: string, body: Buffer): AppendResult {
  const fd = openSync(path, 'a+');
  try {
    const size = fstatSync(fd).size;
    let s = known.get(path);
    if (!s || s.size !== size) s = { ...scan(fd, size), size };
    let repaired = 0;
    if (!s.legacy && s.end < size) {
      repaired = size - s.end;
      ftruncateSync(fd, s.end);
      s.size = s.end;
    }
    if (!s.legacy && s.keys.has(key)) {
      known.set(path, s);
      return { appended: false, bytes: 0, repaired };
    }
    const member = gzipMember(body, key);
    writeSync(fd, member);
    fsyncSync(fd);
    s.size += member.length;
    s.end = s.legacy ? s.size : s.end + member.length;
    s.keys.add(key);
    known.set(path, s);
    return { appended: true, bytes: member.length, repaired };
  } finally {
    closeSync(fd);
  }
}
