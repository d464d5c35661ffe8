// EVTX through @mamori/evtx: SigmaHQ regression samples (test/fixtures/evtx/SOURCE.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isParseError, normalizeEvtxEvent, parseEvtxFile, type EvtxItem } from '@mamori/parsers';
import { fixtures } from './helpers.js';

async function all(path: string): Promise<EvtxItem[]> {
  const out: EvtxItem[] = [];
  for await (const it of parseEvtxFile(path)) out.push(it);
  return out;
}

test('Security 4648 (explicit credentials) from an .evtx file', async () => {
  const items = await all(fileURLToPath(new URL('evtx/security-4648.evtx', fixtures)));
  const ok = items.filter((i) => i.ok);
  assert.equal(ok.length, 1);
  const e = (ok[0] as Extract<EvtxItem, { ok: true }>).event;
  assert.equal(e.format, 'evtx');
  assert.equal(e.class, 'authentication');
  assert.equal(e.activity, 'explicit-credentials');
  assert.equal(e.disposition, 'allowed');
  assert.equal(e.time, '2026-07-17T14:18:34.072Z');
  assert.equal(e.src?.user, 'SWACHCHHANDA\\xodih');
  assert.equal(e.dst?.user, 'swachchhanda\\testuser');
  assert.equal(e.device?.name, 'swachchhanda');
  assert.equal(e.fields?.process, 'C:\\Users\\xodih\\OneDrive\\Desktop\\LegacyHive.exe');
  assert.equal(e.rule?.id, '4648');
  assert.ok(e.raw.includes('"EventRecordID":34382'));
});

test('Sysmon 1 (process create) from an .evtx file', async () => {
  const items = await all(fileURLToPath(new URL('evtx/sysmon-1.evtx', fixtures)));
  const ok = items.filter((i): i is Extract<EvtxItem, { ok: true }> => i.ok);
  assert.ok(ok.length >= 1);
  const e = ok.find((i) => i.event.fields?.eventId === 1)!.event;
  assert.equal(e.class, 'process_activity');
  assert.equal(e.activity, 'create');
  assert.equal(e.fields?.process, 'C:\\Windows\\System32\\curl.exe');
  assert.match(String(e.fields?.commandLine), /curl/i);
  assert.equal(e.fields?.channel, 'Microsoft-Windows-Sysmon/Operational');
});

test('damaged or non-EVTX files give errors, not throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-evtx-'));
  try {
    const junk = join(dir, 'junk.evtx');
    writeFileSync(junk, Buffer.from('this is not an evtx file at all'.repeat(100)));
    const items = await all(junk);
    assert.ok(items.length >= 1);
    assert.ok(items.every((i) => !i.ok));
    const good = readFileSync(fileURLToPath(new URL('evtx/security-4648.evtx', fixtures)));
    const cut = join(dir, 'cut.evtx');
    writeFileSync(cut, good.subarray(0, 4096 + 600)); // header plus a torn first chunk
    const cutItems = await all(cut);
    assert.ok(cutItems.every((i) => i.ok || isParseError(i.error)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('normalizeEvtxEvent refuses records without System/EventID/time', () => {
  for (const [ev, reason] of [
    [{}, /Event.System/],
    [{ Event: { System: {} } }, /EventID/],
    [{ Event: { System: { EventID: 4625 } } }, /TimeCreated/],
  ] as const) {
    const r = normalizeEvtxEvent(ev as never);
    assert.ok(isParseError(r));
    assert.match(r.reason, reason);
  }
  const withQualifiers = normalizeEvtxEvent({
    Event: {
      System: {
        EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 },
        Channel: 'System',
        TimeCreated: { '#attributes': { SystemTime: '2026-11-25T01:00:00Z' } },
      },
      EventData: { ServiceName: 'evil', ImagePath: 'C:\\x.exe' },
    },
  });
  assert.ok(!isParseError(withQualifiers));
  assert.equal(withQualifiers.activity, 'service-installed');
  assert.equal(withQualifiers.fields?.serviceName, 'evil');
});
