import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, MamoriError } from '@mamori/core';
import { SecretBox, secretBoxFor } from '../src/auth/secret-box.js';

test('sealed secrets open with the same key only, and are not stored in clear', () => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('JBSWY3DPEHPK3PXP');
  assert.ok(sealed.startsWith('v1:') && !sealed.includes('JBSWY3DPEHPK3PXP'));
  assert.notEqual(box.seal('JBSWY3DPEHPK3PXP'), sealed, 'a fresh IV every time');
  assert.equal(box.open(sealed), 'JBSWY3DPEHPK3PXP');
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed), MamoriError);
  const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.throws(() => box.open(tampered), MamoriError);
  assert.equal(box.open('LEGACYPLAINSECRET'), 'LEGACYPLAINSECRET');
});

test('the embedded default creates one private key file and keeps using it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mamori-key-'));
  const config = loadConfig({ env: {}, overrides: { dataDir } });
  const sealed = secretBoxFor(config).seal('seed');
  const file = join(dataDir, 'secret.key');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const before = readFileSync(file, 'utf8');
  assert.equal(secretBoxFor(config).open(sealed), 'seed');
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('a configured key must be 32 bytes of base64', () => {
  const bad = loadConfig({ env: { MAMORI_AUTH_SECRET_KEY: 'c2hvcnQ=' } });
  assert.throws(() => secretBoxFor(bad), /auth\.secretKey must be 32 bytes/);
  const key = randomBytes(32).toString('base64');
  const a = secretBoxFor(loadConfig({ env: { MAMORI_AUTH_SECRET_KEY: key } }));
  const b = secretBoxFor(loadConfig({ env: { MAMORI_AUTH_SECRET_KEY: key } }));
  assert.equal(b.open(a.seal('shared by every node')), 'shared by every node');
});
