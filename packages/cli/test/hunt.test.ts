// `mamori hunt` end to end on the SigmaHQ regression samples: EVTX, JSON, NDJSON and gzip inputs, the three
// output formats, levels, time zones, languages, damaged input, and work split across worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'packages/evtx/test/fixtures/regression');
const sigmaData = join(root, 'packages/sigma/data');
const builtinRules = join(sigmaData, 'rules/windows/builtin');
const KEYS = [
  'timestamp',
  'computer',
  'channel',
  'event_id',
  'rule_title',
  'rule_id',
  'level',
  'author',
  'tags',
  'details',
  'file',
  'record_id',
];

function mamori(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      // Compiled-rule cache in the test's own folder, never the user's.
      env: { ...process.env, LANG: 'C', MAMORI_CACHE_DIR: join(tmp, 'rule-cache'), ...env },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const jsonl = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const tmp = mkdtempSync(join(tmpdir(), 'mamori-hunt-'));

// The regression cases: rule id and sample paths from each info.yml.
function cases(): Array<{ ruleId: string; evtx: string }> {
  const out: Array<{ ruleId: string; evtx: string }> = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (n === 'info.yml') {
        const text = readFileSync(p, 'utf8');
        const ruleId = /rule_metadata:\s*\n\s*-\s*id:\s*(\S+)/.exec(text)?.[1];
        for (const m of text.matchAll(/^\s*path:\s*regression_data\/(\S+\.evtx)/gm))
          if (ruleId) out.push({ ruleId, evtx: join(fixtures, m[1]!) });
      } else if (!n.includes('.')) walk(p);
    }
  };
  walk(fixtures);
  return out;
}

test('default SigmaHQ rules on every sample: each regression rule hits its own .evtx; JSONL keys exact', () => {
  const r = mamori(['hunt', fixtures, '--json', '--utc', '--workers', '2']);
  assert.equal(r.code, 1, r.stderr); // 1 = hits found
  const hits = jsonl(r.stdout);
  for (const h of hits) {
    assert.deepEqual(Object.keys(h), KEYS);
    assert.ok(typeof h.author === 'string' && h.author.length > 0, 'DRL: author on every hit');
    assert.ok(Array.isArray(h.tags));
    assert.match(h.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  const all = cases();
  assert.ok(all.length >= 200);
  const seen = new Set(hits.map((h) => `${h.rule_id} ${h.file}`));
  const missing = all.filter((c) => !seen.has(`${c.ruleId} ${c.evtx}`)).map((c) => c.evtx);
  assert.deepEqual(missing, []);
  // Both the .evtx and the .json form of each sample are swept: 238 events each.
  assert.match(r.stderr, /\b476 events\b/);
  assert.match(r.stderr, /rules loaded/);
});

const sampleDir = join(fixtures, 'rules/windows/builtin/security');

test('CSV, JSONL and HTML agree; --min-level filters; local time by default; Japanese report', () => {
  const base = ['hunt', sampleDir, '--rules', builtinRules, '--workers', '1'];
  const j = mamori([...base, '--format', 'jsonl'], { TZ: 'Asia/Tokyo', LANG: 'ja_JP.UTF-8' });
  assert.equal(j.code, 1, j.stderr);
  assert.match(j.stderr, /件を検知しました/); // language from LANG
  assert.doesNotMatch(j.stderr, /░/); // no progress bar when stderr is not a terminal
  const hits = jsonl(j.stdout);
  assert.ok(hits.length >= 4);
  for (const h of hits) assert.match(h.timestamp as string, /\+09:00$/);

  const csvPath = join(tmp, 'hits.csv');
  const htmlPath = join(tmp, 'report.html');
  const c = mamori([...base, '--format', 'csv', '-o', csvPath, '--html', htmlPath, '--lang', 'ja']);
  assert.equal(c.code, 1);
  const lines = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], KEYS.join(','));
  assert.equal(lines.length - 1, hits.length);
  assert.match(c.stderr, /件を検知しました/);
  const html = readFileSync(htmlPath, 'utf8');
  assert.match(html, /<html lang="ja">/);
  assert.match(html, /Mamori ハント結果レポート/);
  assert.match(html, new RegExp(`id="total-hits">${hits.length}<`));
  assert.doesNotMatch(html, /<script|https?:\/\/(?!github\.com\/SigmaHQ)/); // self-contained
  for (const h of hits) assert.ok(html.includes(String(h.author).replace(/&/g, '&amp;')), 'author shown');
  const byRule = new Map<string, number>();
  for (const h of hits) byRule.set(h.rule_id as string, (byRule.get(h.rule_id as string) ?? 0) + 1);
  for (const id of byRule.keys()) assert.ok(html.includes(id));

  const en = mamori([...base, '--format', 'html']);
  assert.match(en.stdout, /<html lang="en">/);
  assert.match(en.stdout, /Hits by level/);

  const high = jsonl(mamori([...base, '--json', '--min-level', 'high']).stdout);
  assert.deepEqual(
    high.map((h) => h.rule_id),
    hits.filter((h) => h.level === 'high' || h.level === 'critical').map((h) => h.rule_id),
  );
  assert.ok(high.length < hits.length);
});

test('progress bar on a terminal only', () => {
  // util-linux `script` gives the command a pseudo-terminal.
  const cmd = [
    process.execPath,
    '--import',
    'tsx',
    '--conditions=development',
    join(root, 'packages/cli/src/main.ts'),
    'hunt',
    sampleDir,
    '--rules',
    builtinRules,
    '-o',
    join(tmp, 'tty.jsonl'),
  ]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C' },
  });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /[█░]{30} +\d+%/);
  assert.match(r.stdout, /4 hits in/);
});

test('JSON, NDJSON and gzip inputs give the same hits as the EVTX sample', () => {
  const evtx = join(sampleDir, 'win_security_susp_scheduled_task_delete_or_disable');
  const jsonFile = readFileSync(
    join(
      evtx,
      readdirSync(evtx).find((n) => n.endsWith('.json'))!,
    ),
    'utf8',
  );
  const event = JSON.parse(jsonFile);
  const dir = join(tmp, 'json');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.ndjson'), JSON.stringify(event) + '\nnot json\n' + JSON.stringify(event) + '\n');
  writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(JSON.stringify(event) + '\n'));
  writeFileSync(join(dir, 'c.json'), JSON.stringify([event], null, 2));
  const evtxFile = join(
    evtx,
    readdirSync(evtx).find((n) => n.endsWith('.evtx'))!,
  );
  writeFileSync(join(dir, 'd.evtx.gz'), gzipSync(readFileSync(evtxFile)));
  // Enough hits for many batches: exercises the workers' backpressure on a streamed file.
  writeFileSync(join(dir, 'e.ndjson'), (JSON.stringify(event) + '\n').repeat(3000));
  const fromEvtx = jsonl(
    mamori(['hunt', evtx, '--rules', builtinRules, '--json', '--workers', '1']).stdout,
  ).filter((h) => String(h.file).endsWith('.evtx'));
  const r = mamori(['hunt', dir, '--rules', builtinRules, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const hits = jsonl(r.stdout);
  assert.ok(fromEvtx.length >= 1);
  const key = (h: Record<string, unknown>) => `${h.rule_id} ${h.record_id} ${JSON.stringify(h.details)}`;
  for (const f of ['a.ndjson', 'b.jsonl.gz', 'c.json', 'd.evtx.gz']) {
    const mine = hits.filter((h) => String(h.file).endsWith(f)).map(key);
    const expected = fromEvtx.map(key);
    assert.deepEqual(mine, f === 'a.ndjson' ? [...expected, ...expected] : expected, f);
  }
  assert.match(r.stderr, /a\.ndjson: 1 malformed JSON entries skipped/);
  assert.match(r.stderr, /3,005 events/);
  const many = hits.filter((h) => String(h.file).endsWith('e.ndjson'));
  assert.equal(many.length, 3000 * fromEvtx.length);
});

test('a large EVTX file is split into chunk ranges across workers; damage is reported; bad input', async () => {
  const { chunksOf, fileOfChunks } = await import('../../evtx/test/helpers/combine.js');
  const samples = readdirSync(sampleDir).map((d) => {
    const p = join(sampleDir, d);
    return join(
      p,
      readdirSync(p).find((n) => n.endsWith('.evtx'))!,
    );
  });
  // 100 chunks (several tasks of 32 chunks), the samples cycled; chunk 50's header damaged.
  const chunks = Array.from({ length: 100 }, (_, i) => chunksOf(samples[i % samples.length]!)[0]!);
  chunks[50]![60] ^= 0xff;
  const big = join(tmp, 'big.evtx');
  writeFileSync(big, fileOfChunks(chunks));
  const one = mamori(['hunt', ...samples, '--rules', builtinRules, '--json', '--workers', '1']);
  const perSample = new Map<string, number>();
  for (const h of jsonl(one.stdout)) perSample.set(String(h.file), (perSample.get(String(h.file)) ?? 0) + 1);
  let expected = 0;
  for (let i = 0; i < 100; i++) if (i !== 50) expected += perSample.get(samples[i % samples.length]!) ?? 0;
  const r = mamori(['hunt', big, '--rules', builtinRules, '--json', '--workers', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(jsonl(r.stdout).length, expected);
  // Hits are written in event-time order, whichever worker found them.
  const times = jsonl(r.stdout).map((h) => Date.parse(String(h.timestamp)));
  assert.ok(
    times.every((t, i) => i === 0 || t >= times[i - 1]!),
    'hits not in time order',
  );
  assert.match(r.stderr, /big\.evtx: chunk 50, offset \d+: chunk header checksum mismatch/);

  const missing = mamori(['hunt', join(tmp, 'nope')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /nope/);
  assert.equal(mamori(['hunt', big, '--min-level', 'severe']).code, 2);
});

test('compiled rules are cached: restored on the next run with the same hits; a damaged file is recompiled', () => {
  const dir = join(tmp, 'cache-test');
  const env = { MAMORI_CACHE_DIR: dir };
  const args = ['hunt', sampleDir, '--rules', builtinRules, '--json', '--utc', '--workers', '2', '--timing'];
  const timing = (stderr: string) =>
    JSON.parse(stderr.trim().split('\n').pop()!) as { ruleCache: string; hits: number };
  const first = mamori(args, env);
  assert.equal(first.code, 1, first.stderr);
  assert.equal(timing(first.stderr).ruleCache, 'miss');
  assert.ok(timing(first.stderr).hits >= 3);
  const files = readdirSync(dir).filter((n) => n.endsWith('.bin'));
  assert.equal(files.length, 1);
  const file = join(dir, files[0]!);
  const second = mamori(args, env);
  assert.equal(timing(second.stderr).ruleCache, 'hit');
  assert.equal(second.stdout, first.stdout);
  // Damaged: compiled again (same hits) and written again.
  writeFileSync(file, Buffer.from('not a snapshot'));
  const third = mamori(args, env);
  assert.equal(timing(third.stderr).ruleCache, 'miss');
  assert.equal(third.stdout, first.stdout);
  assert.ok(statSync(file).size > 100000);
  // Other rules: another file; --no-rule-cache: neither read nor written.
  const other = mamori(
    [...args, '--min-level', 'high', '--rules', join(sigmaData, 'rules/windows/powershell')],
    env,
  );
  assert.equal(timing(other.stderr).ruleCache, 'miss');
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.bin')).length, 2);
  const off = mamori([...args, '--no-rule-cache'], env);
  assert.equal(timing(off.stderr).ruleCache, 'off');
  assert.equal(off.stdout, first.stdout);
});
