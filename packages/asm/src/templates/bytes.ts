// Responses are handled as "byte strings" (latin1: one char per byte), like Go strings in the template format:
// hashes, favicon mmh3 and binary matchers need the exact bytes, and a UTF-8 decode would lose them.

/** Text from a template (UTF-16) → byte string of its UTF-8 encoding. */
export function toByteString(text: string): string {
  // Fast path: pure ASCII is already its own byte string.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Byte string → readable text (UTF-8 decode, lossy for binary). */
export function fromByteString(bytes: string): string {
  if (/^[\x00-\x7f]*$/.test(bytes)) return bytes;
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export function bufferToByteString(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
}

export function byteStringToBuffer(bytes: string): Buffer {
  return Buffer.from(bytes, 'latin1');
}
