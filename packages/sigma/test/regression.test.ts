// SigmaHQ regression data: each rule with regression_tests_path must match its JSON sample match_count times.
// Uses the package's own copies (data/rules*, data/regression_data) and the full corpus loaded in one engine,
// so routing and the literal prefilter are exercised as in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SigmaEngine, bundledRulesDirs, dataDir, parseJsonEvents, readRuleSources } from '../src/index.js';

interface Case {
  rulePath: string;
  ruleId: string;
  json: string;
  expected: number | undefined;
}

const sources = readRuleSources(bundledRulesDirs());
const cases: Case[] = [];
for (const s of sources) {
  const m = /^regression_tests_path:\s*(\S+)/m.exec(s.text);
  if (!m) continue;
  const info = parse(readFileSync(join(dataDir, m[1]!), 'utf8')) as {
    rule_metadata: Array<{ id: string }>;
    regression_tests_info: Array<{ path: string; match_count?: number }>;
  };
  for (const t of info.regression_tests_info) {
    cases.push({
      rulePath: s.path,
      ruleId: info.rule_metadata[0]!.id,
      json: join(dataDir, t.path.replace(/\.evtx$/, '.json')),
      expected: t.match_count,
    });
  }
}

const engine = new SigmaEngine(sources);

// Samples whose info.yml match_count disagrees with the rule as written: SigmaHQ's runner only checks that
// the rule fires at least once, so these counts were never enforced upstream. Each was checked by hand
// against the sample (every listed event satisfies the rule's selection); the engine must give these counts.
const VERIFIED_COUNTS: Record<string, number> = {
  'file_event_win_anydesk_artefact.yml': 3, // three events write \AnyDesk\user.conf*
  'file_event_win_cred_dump_tools_dropped_files.yml': 3, // procdump.exe, procdump64.exe, procdump64a.exe
  'registry_set_change_security_zones.yml': 3, // three ZoneMap\Domains values set to 2
  'registry_set_disable_administrative_share.yml': 2, // AutoShareServer and AutoShareWks both set to 0
};

test('the corpus has regression cases and their samples are shipped', () => {
  assert.ok(cases.length >= 200, `only ${cases.length} cases`);
  for (const c of cases) assert.ok(existsSync(c.json), c.json);
});

test('every regression case matches its sample match_count times', () => {
  const failures: string[] = [];
  for (const c of cases) {
    const events = parseJsonEvents(readFileSync(c.json, 'utf8'));
    let n = 0;
    for (const ev of events) for (const h of engine.match(ev)) if (h.rule.id === c.ruleId) n++;
    const verified = VERIFIED_COUNTS[c.rulePath.split('/').pop()!];
    const expected = verified ?? c.expected;
    const ok = expected === undefined ? n >= 1 : n === expected;
    if (!ok)
      failures.push(`${c.rulePath.replace(dataDir, '')}: ${n} matches, expected ${expected ?? '>= 1'}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases fail`);
});

test('matches carry the rule author, level, tags and matched fields', () => {
  const c = cases.find((x) => x.expected === 1)!;
  const ev = parseJsonEvents(readFileSync(c.json, 'utf8'))[0];
  const hit = engine.match(ev).find((h) => h.rule.id === c.ruleId);
  assert.ok(hit);
  assert.ok(hit.rule.author.length > 0);
  assert.ok(['informational', 'low', 'medium', 'high', 'critical'].includes(hit.rule.level));
  assert.ok(hit.fields.length > 0);
  for (const f of hit.fields) assert.equal(typeof f.value, 'string');
});
