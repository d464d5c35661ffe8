// Builds multi-chunk EVTX files from the chunks of other files (chunks are self-contained: their own
// string and template tables), used by the tolerance tests and the benchmark.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const FILE_HEADER = 4096;
const CHUNK = 65536;

/** The non-empty chunks of an EVTX file, as copies. */
export function chunksOf(path: string): Buffer[] {
  const data = readFileSync(path);
  const out: Buffer[] = [];
  for (let off = FILE_HEADER; off + CHUNK <= data.length; off += CHUNK) {
    if (data.toString('latin1', off, off + 8) === 'ElfChnk\0')
      out.push(Buffer.from(data.subarray(off, off + CHUNK)));
  }
  return out;
}

/** A file header (with checksum) for `count` chunks followed by the chunks. */
export function fileOfChunks(chunks: Buffer[]): Buffer {
  const h = Buffer.alloc(FILE_HEADER);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(Math.max(0, chunks.length - 1)), 16);
  h.writeBigUInt64LE(1n, 24);
  h.writeUInt32LE(128, 32);
  h.writeUInt16LE(2, 36);
  h.writeUInt16LE(3, 38);
  h.writeUInt16LE(FILE_HEADER, 40);
  h.writeUInt16LE(Math.min(chunks.length, 0xffff), 42);
  h.writeUInt32LE(crc32(h.subarray(0, 120)), 124);
  return Buffer.concat([h, ...chunks]);
}

/** Recompute a chunk's two checksums after editing it, so mutations reach the record parser. */
export function fixChunkCrcs(chunk: Buffer): void {
  const free = chunk.readUInt32LE(48);
  if (free >= 512 && free <= CHUNK) chunk.writeUInt32LE(crc32(chunk.subarray(512, free)), 52);
  chunk.writeUInt32LE(crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120))), 124);
}
