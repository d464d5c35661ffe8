import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyScan,
  findingKey,
  newFinding,
  riskScore,
  setStatus,
  severityFromCvss,
  type Observation,
} from '../src/index.js';

const o = (check: string, host: string, port?: number, extra: Partial<Observation> = {}): Observation => ({
  check,
  host,
  ...(port !== undefined ? { port } : {}),
  title: check,
  evidence: `${check} on ${host}`,
  cvss: 7.5,
  ...extra,
});
const t1 = new Date('2026-11-01T00:00:00Z');
const t2 = new Date('2026-11-08T00:00:00Z');
const t3 = new Date('2026-11-15T00:00:00Z');
const cover = (...hosts: string[]) => ({ hosts: new Set(hosts) });

test('severity follows CVSS and is raised for KEV', () => {
  assert.equal(severityFromCvss(0), 'informational');
  assert.equal(severityFromCvss(3.9), 'low');
  assert.equal(severityFromCvss(4), 'medium');
  assert.equal(severityFromCvss(7), 'high');
  assert.equal(severityFromCvss(9.8), 'critical');
  assert.equal(severityFromCvss(5.3, true), 'high');
  assert.equal(severityFromCvss(7.5, true), 'critical');
  assert.equal(severityFromCvss(2, true), 'high');
});

test('new, persisting, resolved only when the rescan covered the host, reopened', () => {
  const s1 = applyScan(
    [],
    [o('exposed-git', 'www.a.jp', 80), o('exposed-rdp', '192.0.2.1', 3389)],
    cover('www.a.jp', '192.0.2.1'),
    t1,
  );
  assert.equal(s1.diff.new.length, 2);
  assert.ok(s1.findings.every((f) => f.status === 'open' && f.firstSeen === t1.toISOString()));
  // Rescan that did not reach 192.0.2.1: its finding is not "fixed".
  const s2 = applyScan(s1.findings, [o('exposed-git', 'www.a.jp', 80)], cover('www.a.jp'), t2);
  assert.equal(s2.diff.persisting.length, 1);
  assert.equal(s2.diff.resolved.length, 0);
  assert.equal(s2.findings.find((f) => f.check === 'exposed-rdp')!.status, 'open');
  const git = s2.findings.find((f) => f.check === 'exposed-git')!;
  assert.equal(git.firstSeen, t1.toISOString());
  assert.equal(git.lastSeen, t2.toISOString());
  // Rescan that covered www.a.jp and did not see .git: fixed.
  const s3 = applyScan(s2.findings, [], cover('www.a.jp'), t3);
  assert.equal(s3.diff.resolved.length, 1);
  assert.equal(s3.findings.find((f) => f.check === 'exposed-git')!.status, 'fixed');
  // Seen again: reopened.
  const s4 = applyScan(
    s3.findings,
    [o('exposed-git', 'www.a.jp', 80)],
    cover('www.a.jp'),
    new Date('2026-11-22T00:00:00Z'),
  );
  assert.equal(s4.diff.reopened.length, 1);
  const re = s4.findings.find((f) => f.check === 'exposed-git')!;
  assert.equal(re.status, 'open');
  assert.equal(re.reopenedCount, 1);
  assert.equal(re.firstSeen, t1.toISOString());
});

test('status changes by people: acknowledged, accepted risk with reason and expiry, false positive; never fixed by hand', () => {
  const f = newFinding(o('exposed-rdp', '192.0.2.1', 3389), t1);
  assert.equal(setStatus(f, 'acknowledged').status, 'acknowledged');
  assert.throws(() => setStatus(f, 'accepted_risk', { reason: 'vendor access', now: t1 }), /expiry/);
  assert.throws(() => setStatus(f, 'accepted_risk', { expiry: '2027-01-01', now: t1 }), /reason/);
  assert.throws(
    () => setStatus(f, 'accepted_risk', { reason: 'x', expiry: '2026-10-01', now: t1 }),
    /future/,
  );
  assert.throws(() => setStatus(f, 'false_positive', {}), /reason/);
  assert.throws(() => setStatus(f, 'fixed' as 'open'), /rescan/);
  const acc = setStatus(f, 'accepted_risk', {
    reason: '保守業者の接続用（期限付き）',
    expiry: '2026-11-10T00:00:00Z',
    now: t1,
  });
  assert.equal(acc.statusReason, '保守業者の接続用（期限付き）');
  // Still seen before expiry: stays accepted; after expiry: back to open.
  const before = applyScan([acc], [o('exposed-rdp', '192.0.2.1', 3389)], cover('192.0.2.1'), t2);
  assert.equal(before.findings[0]!.status, 'accepted_risk');
  const afterExp = applyScan(before.findings, [o('exposed-rdp', '192.0.2.1', 3389)], cover('192.0.2.1'), t3);
  assert.equal(afterExp.findings[0]!.status, 'open');
  const fp = setStatus(f, 'false_positive', { reason: 'honeypot' });
  const again = applyScan([fp], [o('exposed-rdp', '192.0.2.1', 3389)], cover('192.0.2.1'), t2);
  assert.equal(again.findings[0]!.status, 'false_positive');
  const fixed = applyScan([f], [], cover('192.0.2.1'), t2).findings[0]!;
  assert.throws(() => setStatus(fixed, 'acknowledged'), /reopens only/);
});

test('keys are stable and distinguish detail; duplicates in one scan collapse', () => {
  assert.equal(findingKey(o('exposed-git', 'WWW.A.JP', 80)), findingKey(o('exposed-git', 'www.a.jp', 80)));
  assert.notEqual(
    findingKey({ ...o('dangling-cname', 'a.jp'), detail: 'x' }),
    findingKey({ ...o('dangling-cname', 'a.jp'), detail: 'y' }),
  );
  const s = applyScan([], [o('exposed-git', 'a', 80), o('exposed-git', 'a', 80)], cover('a'), t1);
  assert.equal(s.findings.length, 1);
});

test('risk score: saturating, KEV doubles, fixed and false positives do not count', () => {
  const crit = newFinding(o('x', 'a', 1, { cvss: 9.8 }), t1);
  const kev = newFinding(o('y', 'a', 2, { cvss: 9.8, kev: true }), t1);
  const low = newFinding(o('z', 'a', 3, { cvss: 3 }), t1);
  assert.equal(riskScore([]).score, 0);
  const a = riskScore([low]).score;
  const b = riskScore([low, crit]).score;
  const c = riskScore([low, crit, kev]).score;
  assert.ok(a < b && b < c && c < 100, `${a} ${b} ${c}`);
  assert.equal(
    riskScore([
      { ...crit, status: 'fixed' },
      { ...low, status: 'false_positive', statusReason: 'x' },
    ]).score,
    0,
  );
  assert.equal(riskScore([crit, kev]).counts.critical, 2);
});

test('a finding on a port the rescan did not probe is not marked fixed', () => {
  const s1 = applyScan(
    [],
    [o('exposed-rdp', '192.0.2.1', 3389), o('exposed-git', '192.0.2.1', 80)],
    cover('192.0.2.1'),
    t1,
  );
  const s2 = applyScan(s1.findings, [], { hosts: new Set(['192.0.2.1']), ports: new Set([80]) }, t2);
  assert.equal(s2.findings.find((f) => f.check === 'exposed-rdp')!.status, 'open');
  assert.equal(s2.findings.find((f) => f.check === 'exposed-git')!.status, 'fixed');
});
