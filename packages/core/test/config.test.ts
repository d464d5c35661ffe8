import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKeys, envNameOf, loadConfig, MamoriError, redactConfig } from '@mamori/core';

test('defaults give the embedded setup under ./var', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.database.driver, 'sqlite');
  assert.match(c.database.sqlitePath, /var[\\/]mamori\.sqlite$/);
  assert.equal(c.queue.driver, 'memory');
  assert.equal(c.server.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.auth.oidc, null);
  assert.equal(c.soc.pipelineLeaseSeconds, 15);
  assert.equal(c.soc.retentionLeaseSeconds, 120);
});

test('file, then environment, then overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-cfg-'));
  const file = join(dir, 'mamori.yaml');
  writeFileSync(file, 'server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: warn\n');
  const c = loadConfig({ file, env: { MAMORI_SERVER_PORT: '9100' }, overrides: { log: { level: 'error' } } });
  assert.equal(c.server.port, 9100);
  assert.equal(c.server.host, '0.0.0.0');
  assert.equal(c.log.level, 'error');
});

test('invalid values are refused with the key and their source', () => {
  const expectInvalid = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (e: unknown) =>
        e instanceof MamoriError && e.code === 'MAMORI_CONFIG_INVALID' && pattern.test(e.message),
    );
  expectInvalid(
    () => loadConfig({ env: { MAMORI_SERVER_PORT: 'eighty' } }),
    /server\.port \(from \$MAMORI_SERVER_PORT\): expected an integer/,
  );
  expectInvalid(() => loadConfig({ env: { MAMORI_SERVER_PORT: '70000' } }), /at most 65535/);
  expectInvalid(
    () => loadConfig({ env: { MAMORI_DATABASE_DRIVER: 'mysql' } }),
    /expected one of sqlite, postgres/,
  );
  expectInvalid(
    () => loadConfig({ env: { MAMORI_DATABASE_DRIVER: 'postgres' } }),
    /database\.postgresUrl .* is required/,
  );
  expectInvalid(
    () => loadConfig({ overrides: { server: { nope: 1 } } as never, env: {} }),
    /unknown key "server\.nope"/,
  );
  expectInvalid(
    () => loadConfig({ env: { MAMORI_SOC_PIPELINE_LEASE_SECONDS: '1' } }),
    /soc\.pipelineLeaseSeconds \(from \$MAMORI_SOC_PIPELINE_LEASE_SECONDS\): must be at least 3/,
  );
  expectInvalid(
    () => loadConfig({ overrides: { soc: { retentionLeaseSeconds: 5 } }, env: {} }),
    /soc\.retentionLeaseSeconds \(from overrides\): must be at least 10/,
  );
  expectInvalid(
    () => loadConfig({ env: { MAMORI_SOC_RETENTION_LEASE_SECONDS: '2m' } }),
    /soc\.retentionLeaseSeconds .*expected an integer, got "2m"/,
  );
  expectInvalid(
    () => loadConfig({ env: { MAMORI_SOC_PIPELINE_LEASE_SECONDS: '86400' } }),
    /soc\.pipelineLeaseSeconds .*must be at most 600/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'mamori-cfg-'));
  writeFileSync(join(dir, 'bad.json'), '{"server": ');
  expectInvalid(() => loadConfig({ file: join(dir, 'bad.json'), env: {} }), /bad\.json is not valid/);
});

test('secrets never appear in the redacted form', () => {
  const c = loadConfig({
    env: {
      MAMORI_DATABASE_DRIVER: 'postgres',
      MAMORI_DATABASE_POSTGRES_URL: 'postgres://u:hunter2@127.0.0.1/db',
      MAMORI_AUTH_OIDC_ISSUER: 'https://idp.example.jp',
      MAMORI_AUTH_OIDC_CLIENT_ID: 'mamori',
      MAMORI_AUTH_OIDC_CLIENT_SECRET: 's3cret',
    },
  });
  const text = JSON.stringify(redactConfig(c));
  assert.ok(!text.includes('hunter2') && !text.includes('s3cret'), text);
  assert.equal(c.auth.oidc?.clientSecret, 's3cret');
});

test('every key has an environment variable name and a description', () => {
  for (const spec of configKeys) {
    assert.match(envNameOf(spec.key), /^MAMORI_[A-Z0-9_]+$/);
    assert.ok(spec.description.length > 10, spec.key);
  }
  assert.equal(envNameOf('auth.oidc.clientId'), 'MAMORI_AUTH_OIDC_CLIENT_ID');
});
