import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@mamori/platform';

test('secrets are redacted from log records', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ log: { level: 'info' } }, sink);
  log.info(
    {
      password: 'hunter2-password',
      body: { currentPassword: 'old-secret-1', newPassword: 'new-secret-2', token: 'mamori_abcdef' },
      req: { headers: { authorization: 'Bearer mamori_xyz', cookie: 'mamori_session=abc' } },
      config: { database: { postgresUrl: 'postgres://u:pw@h/db' } },
      secret: 'JBSWY3DPEHPK3PXP',
    },
    'x',
  );
  const out = lines.join('');
  for (const s of [
    'hunter2-password',
    'old-secret-1',
    'new-secret-2',
    'mamori_abcdef',
    'mamori_xyz',
    'mamori_session=abc',
    'JBSWY3DPEHPK3PXP',
    'u:pw@h',
  ]) {
    assert.ok(!out.includes(s), `${s} leaked: ${out}`);
  }
  assert.match(out, /\[redacted\]/);
});
