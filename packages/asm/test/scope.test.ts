import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScopeGuard,
  StopSwitch,
  adhocScope,
  attest,
  inScanWindow,
  verifyDnsTxt,
  type OrgScope,
  type Refusal,
} from '../src/scope/index.js';

const verified = { method: 'attestation' as const, state: 'verified' as const, attestedBy: 'test' };
const pending = { method: 'dns-txt' as const, state: 'pending' as const, token: 'abc' };

const city: OrgScope = {
  org: '011002',
  roots: [
    { kind: 'domain', value: 'city.example.lg.jp', verification: verified },
    { kind: 'cidr', value: '192.0.2.0/24', verification: verified },
    { kind: 'domain', value: 'unverified.example.jp', verification: pending },
    { kind: 'cidr', value: '198.51.100.0/24', verification: pending },
  ],
  exclusions: ['192.0.2.128/25', 'mail.city.example.lg.jp'],
};

const dnsTable: Record<string, string[]> = {
  'www.city.example.lg.jp': ['192.0.2.10'],
  'cloud.city.example.lg.jp': ['203.0.113.5'],
  'half.city.example.lg.jp': ['192.0.2.11', '203.0.113.6'],
  'excluded-addr.city.example.lg.jp': ['192.0.2.200'],
};

function guard(extra: Partial<ConstructorParameters<typeof ScopeGuard>[0]> = {}) {
  const log: Refusal[] = [];
  const g = new ScopeGuard({
    orgs: [city],
    resolve: async (n) => dnsTable[n] ?? [],
    onRefusal: (r) => log.push(r),
    stopSwitch: new StopSwitch(),
    ...extra,
  });
  return { g, log };
}

test('allows verified names and addresses, pinning the resolved addresses', async () => {
  const { g, log } = guard();
  assert.deepEqual(await g.check('www.city.example.lg.jp', 443), {
    allowed: true,
    org: '011002',
    addresses: ['192.0.2.10'],
  });
  assert.equal((await g.check('192.0.2.77')).allowed, true);
  assert.equal((await g.check('https://WWW.City.Example.LG.JP./login')).allowed, true);
  assert.equal(log.length, 0);
});

test('refuses and logs addresses and names outside the verified scope', async () => {
  const { g, log } = guard();
  const cases: Array<[string, RegExp]> = [
    ['203.0.113.9', /not in any verified scope/],
    ['www.other.example.jp', /not in any verified scope/],
    ['192.0.2.130', /excluded/],
    ['mail.city.example.lg.jp', /excluded/],
    ['www.unverified.example.jp', /not yet verified/],
    ['198.51.100.1', /not yet verified/],
    ['cloud.city.example.lg.jp', /resolves outside.*203\.0\.113\.5/],
    ['half.city.example.lg.jp', /resolves outside.*203\.0\.113\.6/],
    ['excluded-addr.city.example.lg.jp', /resolves outside/],
    ['nx.city.example.lg.jp', /does not resolve/],
    ['bad host!', /not a valid/],
    ['evilcity.example.lg.jp', /not in any verified scope/],
  ];
  for (const [t, why] of cases) {
    const d = await g.check(t, 80);
    assert.equal(d.allowed, false, t);
    assert.deepEqual(d.addresses, []);
    assert.match(d.reason ?? '', why, t);
  }
  assert.equal(log.length, cases.length);
  assert.equal(log[0]!.target, '203.0.113.9');
  assert.equal(log[0]!.port, 80);
  assert.throws(
    () =>
      new ScopeGuard({
        orgs: [
          {
            org: 'x',
            roots: [{ kind: 'cidr', value: '10.0.0.0/99', verification: verified }],
            exclusions: [],
          },
        ],
        resolve: async () => [],
      }),
  );
});

test('the stop switch refuses everything, including checks already resolving', async () => {
  const stop = new StopSwitch();
  const { g, log } = guard({ stopSwitch: stop });
  assert.equal((await g.check('192.0.2.1')).allowed, true);
  stop.stop('operator request');
  const d = await g.check('192.0.2.1');
  assert.equal(d.allowed, false);
  assert.match(d.reason!, /stopped: operator request/);
  assert.equal(log.length, 1);
  await assert.rejects(g.require('www.city.example.lg.jp'), /out of scope/);
});

test('scan windows: refused outside, allowed inside (JST, wrapping midnight)', async () => {
  const windows = [{ days: [1, 2, 3, 4, 5], startHour: 22, endHour: 6 }];
  // Monday 23:00 JST = Monday 14:00 UTC; Tuesday 03:00 JST = Monday 18:00 UTC; Monday 12:00 JST = 03:00 UTC.
  assert.equal(inScanWindow(windows, new Date('2026-11-23T14:00:00Z')), true);
  assert.equal(inScanWindow(windows, new Date('2026-11-23T18:00:00Z')), true);
  assert.equal(inScanWindow(windows, new Date('2026-11-23T03:00:00Z')), false);
  // Sunday 23:00 JST is not in a weekday window; Monday 01:00 JST belongs to Sunday night: also not.
  assert.equal(inScanWindow(windows, new Date('2026-11-22T14:00:00Z')), false);
  assert.equal(inScanWindow(windows, new Date('2026-11-22T16:00:00Z')), false);
  const { g } = guard({ orgs: [{ ...city, windows }], now: () => new Date('2026-11-23T03:00:00Z') });
  const d = await g.check('192.0.2.1');
  assert.equal(d.allowed, false);
  assert.match(d.reason!, /scan window/);
});

test('rate limit paces an organization', async () => {
  const { g } = guard({ orgs: [{ ...city, rate: { perSecond: 50, concurrency: 4 } }] });
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await g.pace('011002');
  const ms = performance.now() - t0;
  // 20 starts at 50/s with a burst of 5 take at least ~300 ms.
  assert.ok(ms >= 250, `took ${ms} ms`);
});

test('ad-hoc scope is exactly the named targets', async () => {
  const g = new ScopeGuard({
    orgs: [adhocScope(['lab.example.test', '127.0.0.2', '10.9.9.0/30'])],
    resolve: async (n) => (n === 'lab.example.test' ? ['127.0.0.3'] : []),
    stopSwitch: new StopSwitch(),
  });
  assert.equal((await g.check('127.0.0.2')).allowed, true);
  assert.equal((await g.check('10.9.9.2')).allowed, true);
  assert.equal((await g.check('10.9.9.4')).allowed, false);
  const d = await g.check('lab.example.test');
  assert.equal(d.allowed, false, 'resolves to 127.0.0.3, which was not named');
  assert.match(d.reason!, /127\.0\.0\.3/);
  assert.equal(
    (await g.check('sub.lab.example.test')).allowed,
    false,
    'a host root does not cover sub-names',
  );
  assert.throws(() => adhocScope(['not a host']), /not a host/);
});

test('DNS TXT verification and attestation', async () => {
  const root = {
    kind: 'domain' as const,
    value: 'city.example.lg.jp',
    verification: { method: 'dns-txt' as const, state: 'pending' as const, token: 't0k3n' },
  };
  const ok = await verifyDnsTxt(root, async (n) =>
    n === '_mamori-challenge.city.example.lg.jp' ? ['mamori-verification=t0k3n'] : [],
  );
  assert.equal(ok.verification.state, 'verified');
  const bad = await verifyDnsTxt(root, async () => ['mamori-verification=other']);
  assert.equal(bad.verification.state, 'failed');
  const err = await verifyDnsTxt(root, async () => {
    throw new Error('SERVFAIL');
  });
  assert.equal(err.verification.state, 'failed');
  assert.equal(attest(root, '情報政策課 山田').verification.state, 'verified');
  assert.throws(() => attest(root, ' '));
});
