// Attribution matcher: longest-prefix CIDR (IPv4 and IPv6), exact hosts, domain suffixes, mail domains, devices,
// and which endpoint counts per source kind (inbound WAF → destination, proxy → source, mail → recipient).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedEvent } from '@mamori/core';
import { AttributionMatcher, ipv6ToHex, parseCidr } from '../src/soc/attribution/matcher.js';
import { normalizeRuleValue } from '../src/soc/attribution/service.js';
import type { IngestRecord } from '../src/soc/types.js';

const m = new AttributionMatcher([
  { organizationId: 'A', kind: 'cidr', value: '10.0.0.0/8' },
  { organizationId: 'B', kind: 'cidr', value: '10.20.0.0/16' },
  { organizationId: 'C', kind: 'cidr', value: '10.20.30.40/32' },
  { organizationId: 'D', kind: 'cidr', value: '2001:db8:100::/48' },
  { organizationId: 'E', kind: 'cidr', value: '2001:db8:100:5::/64' },
  { organizationId: 'F', kind: 'host', value: 'www.city.example.lg.jp' },
  { organizationId: 'G', kind: 'domain', value: 'city.example.lg.jp' },
  { organizationId: 'H', kind: 'mail_domain', value: 'town.example.lg.jp' },
  { organizationId: 'I', kind: 'device', value: 'fgt-town-01' },
  { organizationId: 'J', kind: 'device', value: '192.0.2.77' },
]);
const rec: IngestRecord = { line: '', transport: 'syslog-udp', peer: '198.51.100.1:514', receivedAt: 0 };
const ev = (e: Partial<NormalizedEvent>): NormalizedEvent => ({
  time: '2026-11-25T00:00:00.000Z',
  class: 'network_activity',
  activity: 'traffic',
  severity: 'informational',
  disposition: 'allowed',
  sourceKind: 'firewall',
  format: 'test',
  raw: '',
  ...e,
});

test('CIDR: longest prefix wins, IPv4 and IPv6', () => {
  assert.equal(m.matchIp('10.1.2.3'), 'A');
  assert.equal(m.matchIp('10.20.1.1'), 'B');
  assert.equal(m.matchIp('10.20.30.40'), 'C');
  assert.equal(m.matchIp('10.20.30.41'), 'B');
  assert.equal(m.matchIp('11.0.0.1'), null);
  assert.equal(m.matchIp('2001:db8:100:1::9'), 'D');
  assert.equal(m.matchIp('2001:DB8:100:5:0:0:0:1'), 'E');
  assert.equal(m.matchIp('2001:db8:101::1'), null);
  assert.equal(m.matchIp('not-an-ip'), null);
  assert.equal(ipv6ToHex('::ffff:192.0.2.1'), '00000000000000000000ffffc0000201');
  assert.equal(parseCidr('10.1.2.3/8')!.text, '10.0.0.0/8');
  assert.equal(parseCidr('10.1.2.3/33'), null);
  assert.equal(parseCidr('1.2.3'), null);
});

test('IPv4 longest prefix over thousands of nested, adjacent and repeated blocks equals a per-length search', () => {
  // Deterministic pseudo-random blocks clustered in a few /8s so they nest, touch and repeat; /0 and /32 included.
  let x = 7;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  const ipOf = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
  const rules: { organizationId: string; kind: 'cidr'; value: string }[] = [
    { organizationId: 'ALL', kind: 'cidr', value: '0.0.0.0/0' },
    { organizationId: 'TOP', kind: 'cidr', value: '255.255.255.255/32' },
  ];
  for (let i = 0; i < 3000; i++) {
    const len = [8, 12, 16, 20, 24, 28, 30, 32][rnd(8)]!;
    const base = [10, 172, 192, 203][rnd(4)]! * 2 ** 24 + rnd(2 ** 24);
    const size = 2 ** (32 - len);
    // A later rule for an already registered block replaces it (as a map would).
    rules.push({
      organizationId: `o${rnd(40)}`,
      kind: 'cidr',
      value: `${ipOf(Math.floor(base / size) * size)}/${len}`,
    });
  }
  const table = new AttributionMatcher(rules);
  // Reference: for each length, longest first, the block's key in a map.
  const byLen = new Map<number, Map<number, string>>();
  for (const r of rules) {
    const [a, l] = r.value.split('/');
    const len = Number(l);
    const v = a!.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    if (!byLen.has(len)) byLen.set(len, new Map());
    byLen.get(len)!.set(len === 0 ? 0 : Math.floor(v / 2 ** (32 - len)), r.organizationId);
  }
  const lens = [...byLen.keys()].sort((a, b) => b - a);
  const reference = (v: number) => {
    for (const len of lens) {
      const hit = byLen.get(len)!.get(len === 0 ? 0 : Math.floor(v / 2 ** (32 - len)));
      if (hit !== undefined) return hit;
    }
    return null;
  };
  const probes: number[] = [0, 2 ** 32 - 1, 2 ** 32 - 2];
  for (const r of rules.slice(2)) {
    const [a, l] = r.value.split('/');
    const start = a!.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const end = start + 2 ** (32 - Number(l)) - 1;
    probes.push(start, end, Math.max(0, start - 1), Math.min(2 ** 32 - 1, end + 1));
  }
  for (let i = 0; i < 20000; i++) probes.push([10, 172, 192, 203][rnd(4)]! * 2 ** 24 + rnd(2 ** 24));
  for (const v of probes) assert.equal(table.matchIp(ipOf(v)), reference(v), ipOf(v));
});

test('names: exact host, then domain suffix; mail domains; devices by name or sender', () => {
  assert.equal(m.matchName('WWW.city.example.lg.jp', ['host', 'domain']), 'F');
  assert.equal(m.matchName('portal.city.example.lg.jp', ['host', 'domain']), 'G');
  assert.equal(m.matchName('example.lg.jp', ['host', 'domain']), null);
  assert.equal(m.matchName('mail.town.example.lg.jp', ['mail_domain']), 'H');
  assert.equal(m.attribute(ev({ device: { name: 'FGT-Town-01' } }), rec).organizationId, 'I');
  assert.equal(m.attribute(ev({}), { ...rec, peer: '192.0.2.77:514' }).organizationId, 'J');
});

test('the endpoint that counts depends on the source kind', () => {
  // Inbound WAF: the protected site (destination), even when the client address is registered.
  const waf = ev({
    sourceKind: 'waf',
    src: { ip: '10.20.1.1' },
    dst: { hostname: 'www.city.example.lg.jp', ip: '203.0.113.1' },
  });
  assert.equal(m.attribute(waf, rec).organizationId, 'F');
  // Proxy: the client (source).
  const proxy = ev({
    sourceKind: 'proxy',
    src: { ip: '10.20.1.1' },
    dst: { hostname: 'www.city.example.lg.jp' },
  });
  assert.equal(m.attribute(proxy, rec).organizationId, 'B');
  // Mail: the recipient's domain.
  const mail = ev({
    sourceKind: 'mail',
    src: { ip: '10.1.1.1' },
    dst: { email: 'kikaku@town.example.lg.jp' },
  });
  assert.equal(m.attribute(mail, rec).organizationId, 'H');
  // Firewall: destination first, then source.
  assert.equal(
    m.attribute(ev({ src: { ip: '10.1.1.1' }, dst: { ip: '10.20.30.40' } }), rec).organizationId,
    'C',
  );
  assert.equal(m.attribute(ev({ src: { ip: '10.1.1.1' }, dst: { ip: '8.8.8.8' } }), rec).organizationId, 'A');
  const none = m.attribute(ev({ src: { ip: '192.0.2.1' }, dst: { ip: '192.0.2.2' } }), rec);
  assert.equal(none.organizationId, null);
  assert.equal(none.reason, 'no attribution rule matches dst.ip 192.0.2.2, src.ip 192.0.2.1');
  assert.equal(m.attribute(ev({}), rec).reason, 'no address or name to match');
});

test('rule values are validated and normalized per kind', () => {
  assert.equal(normalizeRuleValue('cidr', ' 192.0.2.9 '), '192.0.2.9/32');
  assert.equal(normalizeRuleValue('domain', 'City.Example.LG.JP.'), 'city.example.lg.jp');
  assert.equal(normalizeRuleValue('mail_domain', 'soumu@Town.example.lg.jp'), 'town.example.lg.jp');
  assert.throws(() => normalizeRuleValue('cidr', '10.0.0.0/40'), { code: 'MAMORI_VALIDATION' });
  assert.throws(() => normalizeRuleValue('host', 'bad host name'), { code: 'MAMORI_VALIDATION' });
  assert.throws(() => normalizeRuleValue('device', 'x'.repeat(300)), { code: 'MAMORI_VALIDATION' });
});
