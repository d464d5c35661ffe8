// `mamori evtx dump` as a user runs it: a child process, stdout lines, stderr reports, exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'packages/evtx/test/fixtures/regression');
const wmi = join(
  fixtures,
  'rules/windows/builtin/wmi/win_wmi_activity_nteventlogfile_cleareventlog/d4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b.evtx',
);

function mamori(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts'), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('evtx dump prints every record of a folder as one JSON object per line', () => {
  const r = mamori('evtx', 'dump', fixtures);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 238, `${lines.length} lines`);
  const events = lines.map((l) => JSON.parse(l));
  for (const e of events) {
    assert.equal(typeof e.Event.System.EventID, 'number');
    assert.equal(typeof e.Event.System.Channel, 'string');
  }
  // Same as the regression export of the WMI sample (UserData event).
  const single = mamori('evtx', 'dump', wmi);
  const expected = JSON.parse(readFileSync(wmi.replace(/\.evtx$/, '.json'), 'utf8'));
  assert.deepEqual(JSON.parse(single.stdout), expected);
});

test('evtx dump --format xml prints one Event element per line', () => {
  const r = mamori('evtx', 'dump', '--format', 'xml', wmi);
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^<Event xmlns="http:\/\/schemas\.microsoft\.com\/win\/2004\/08\/events\/event">/);
  assert.match(lines[0]!, /<EventID>5858<\/EventID>/);
  assert.match(lines[0]!, /<ClientProcessId>25920<\/ClientProcessId>/);
  assert.match(lines[0]!, /Name="C:\\\\WINDOWS\\\\System32/);
});

test('evtx dump reports a damaged chunk on stderr, prints the rest, and rejects non-EVTX files', () => {
  const good = readFileSync(wmi);
  const second = readFileSync(
    join(
      fixtures,
      '../regression/rules-threat-hunting/windows/image_load/image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx',
    ),
  );
  // Two chunks; damage the first chunk's header so only the second is read.
  const data = Buffer.concat([good.subarray(0, 4096 + 65536), second.subarray(4096, 4096 + 65536)]);
  data[4096 + 60] ^= 0xff;
  const dir = mkdtempSync(join(tmpdir(), 'mamori-dump-'));
  const damaged = join(dir, 'damaged.evtx');
  writeFileSync(damaged, data);
  const r = mamori('evtx', 'dump', damaged);
  assert.equal(r.code, 0);
  const only = r.stdout.trimEnd().split('\n');
  assert.equal(only.length, 1);
  assert.equal(JSON.parse(only[0]!).Event.System.EventID, 7);
  assert.match(
    r.stderr,
    /damaged\.evtx: chunk 0, offset 4220: chunk header checksum mismatch; chunk skipped/,
  );
  const notEvtx = join(dir, 'notes.evtx');
  writeFileSync(notEvtx, 'hello');
  const bad = mamori('evtx', 'dump', notEvtx, wmi);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /notes\.evtx: not an EVTX file/);
  assert.equal(bad.stdout.trimEnd().split('\n').length, 1);
  assert.equal(mamori('evtx', 'dump', '--format', 'csv', wmi).code, 2);
  // gzip-compressed EVTX is read as a stream
  const gz = join(dir, 'wmi.evtx.gz');
  writeFileSync(gz, gzipSync(good));
  const fromGz = mamori('evtx', 'dump', gz);
  assert.equal(fromGz.code, 0, fromGz.stderr);
  assert.equal(fromGz.stdout, mamori('evtx', 'dump', wmi).stdout);
});
