// `mamori sigma check` as a user runs it: the bundled SigmaHQ corpus, a folder with broken rules, --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function mamori(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts'), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('sigma check --json over the shipped SigmaHQ rules: at least 99.5% compile, every failure has a reason', () => {
  const data = join(root, 'packages/sigma/data');
  const dirs = readdirSync(data)
    .filter((n) => n.startsWith('rules'))
    .map((n) => join(data, n));
  const r = mamori('sigma', 'check', '--json', ...dirs);
  const report = JSON.parse(r.stdout) as {
    total: number;
    compiled: number;
    unsupported: number;
    errors: number;
    rules: Array<{ path: string; id: string; status: string; reason: string | null }>;
  };
  const rules = report.rules;
  assert.ok(rules.length >= 3700, `${rules.length} rule files`);
  const compiled = rules.filter((x) => x.status === 'compiled').length;
  assert.ok(compiled / rules.length >= 0.995, `${compiled}/${rules.length}`);
  for (const x of report.rules) {
    assert.ok(['compiled', 'unsupported', 'error'].includes(x.status));
    if (x.status !== 'compiled') assert.ok(x.reason && x.reason.length > 0, x.path);
    assert.ok('reason' in x && 'id' in x && 'path' in x);
  }
  assert.equal(report.total, report.rules.length);
  assert.equal(report.compiled + report.unsupported + report.errors, report.total);
});

test('sigma check reports errors and unsupported rules with file, line and reason; exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-sigma-'));
  writeFileSync(
    join(dir, 'good.yml'),
    'title: ok\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4624}\n  condition: sel\n',
  );
  writeFileSync(
    join(dir, 'bad.yml'),
    'title: bad\nlogsource: {product: windows}\ndetection:\n  sel: {EventID: 1}\n  condition: sel and nothere\n',
  );
  writeFileSync(
    join(dir, 'old.yml'),
    'title: old\nlogsource: {product: windows}\ndetection:\n  sel: {EventID: 1}\n  condition: sel | count() > 5\n',
  );
  writeFileSync(join(dir, 'yaml.yml'), 'title: [broken\n');
  const text = mamori('sigma', 'check', dir);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /error\s+\S*bad\.yml:5\s+.*nothere/);
  assert.match(text.stdout, /unsupported\s+\S*old\.yml:5\s+.*aggregation/);
  assert.match(text.stdout, /error\s+\S*yaml\.yml:\d+\s+YAML/);
  assert.match(text.stdout, /4 rule files: 1 compiled \(25\.00%\), 1 unsupported, 2 errors/);
  const json = JSON.parse(mamori('sigma', 'check', '--json', dir).stdout) as {
    total: number;
    compiled: number;
    unsupported: number;
    errors: number;
  };
  assert.deepEqual([json.total, json.compiled, json.unsupported, json.errors], [4, 1, 1, 2]);
  const missing = mamori('sigma', 'check', join(dir, 'nope'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no such file/);
});
