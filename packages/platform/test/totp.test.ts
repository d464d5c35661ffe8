import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, base32Encode, totpCode, verifyTotp } from '@mamori/platform';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; the 8-digit values' last 6 digits.
const secret = base32Encode(Buffer.from('12345678901234567890'));
const vectors: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

test('TOTP codes match the RFC 6238 test vectors', () => {
  for (const [t, code] of vectors) assert.equal(totpCode(secret, Math.floor(t / 30)), code, `t=${t}`);
});

test('base32 round-trips', () => {
  const buf = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255, 7]);
  assert.deepEqual(base32Decode(base32Encode(buf)), buf);
  assert.throws(() => base32Decode('abc!'));
});

test('verifyTotp accepts ±1 step and refuses replays and older steps', () => {
  const now = new Date(1111111111 * 1000);
  const step = Math.floor(1111111111 / 30);
  assert.equal(verifyTotp(secret, totpCode(secret, step), now, 0), step);
  assert.equal(verifyTotp(secret, totpCode(secret, step - 1), now, 0), step - 1);
  assert.equal(verifyTotp(secret, totpCode(secret, step + 1), now, 0), step + 1);
  assert.equal(verifyTotp(secret, totpCode(secret, step + 2), now, 0), null);
  assert.equal(verifyTotp(secret, totpCode(secret, step - 2), now, 0), null);
  // used step (replay) and anything not newer than it
  assert.equal(verifyTotp(secret, totpCode(secret, step), now, step), null);
  assert.equal(verifyTotp(secret, totpCode(secret, step - 1), now, step - 1), null);
  assert.equal(verifyTotp(secret, '12345', now, 0), null);
  assert.equal(verifyTotp(secret, 'abcdef', now, 0), null);
});
