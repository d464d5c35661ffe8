// The one DNS wire codec: discovery view (decodeMessage) and dig view (decodeResponse/recordLine) of one parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLASS,
  DnsFormatError,
  RR,
  decodeMessage,
  decodeResponse,
  encodeQuery,
  recordLine,
} from '../src/dns/codec.js';

const name = (n: string): Buffer =>
  Buffer.concat([
    ...n
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);

function rr(type: number, rdata: Buffer, klass: number = CLASS.IN): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // owner: pointer to the question name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(klass, 4);
  head.writeUInt32BE(300, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function response(answers: Buffer[], rcode = 0, qtype: number = RR.ANY): Buffer {
  const q = encodeQuery('ex.lg.jp', qtype, 0xbeef);
  q.writeUInt16BE(0x8580 | rcode, 2);
  q.writeUInt16BE(answers.length, 6);
  return Buffer.concat([q, ...answers]);
}

const u16 = (...n: number[]) => Buffer.concat(n.map((x) => Buffer.from([x >> 8, x & 0xff])));
const u32 = (...n: number[]) =>
  Buffer.concat(
    n.map((x) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(x);
      return b;
    }),
  );

test('encodeQuery writes the query class and the new record types', () => {
  const q = encodeQuery('version.bind', 'TXT', 7, false, CLASS.CH);
  assert.equal(q.readUInt16BE(2), 0, 'RD clear');
  assert.equal(q.readUInt16BE(q.length - 4), RR.TXT);
  assert.equal(q.readUInt16BE(q.length - 2), CLASS.CH);
  assert.equal(encodeQuery('x.jp', 'A', 1).readUInt16BE(encodeQuery('x.jp', 'A', 1).length - 2), CLASS.IN);
  assert.equal(RR.DS, 43);
  assert.equal(RR.TLSA, 52);
  assert.deepEqual(decodeMessage(encodeQuery('x.jp', 'TLSA', 1)).questions, [{ name: 'x.jp', type: 'TLSA' }]);
  assert.throws(() => encodeQuery(`${'a'.repeat(63)}.`.repeat(5), 'A', 1), DnsFormatError);
  assert.throws(() => encodeQuery(`${'a'.repeat(64)}.jp`, 'A', 1), DnsFormatError);
});

test('one parse, two views: discovery data and dig lines', () => {
  const caa = Buffer.concat([Buffer.from([0, 5]), Buffer.from('issue'), Buffer.from('ca.example')]);
  const txt = Buffer.concat([Buffer.from([5]), Buffer.from('v=spf'), Buffer.from([4]), Buffer.from('1 -a')]);
  const msg = response([
    rr(RR.A, Buffer.from([192, 0, 2, 1])),
    rr(RR.AAAA, Buffer.from('20010000000000010000000000000001', 'hex')),
    rr(RR.CNAME, name('www.ex.lg.jp')),
    rr(RR.MX, Buffer.concat([u16(10), name('mail.ex.lg.jp')])),
    rr(RR.TXT, txt),
    rr(RR.SRV, Buffer.concat([u16(1, 2, 443), name('svc.ex.lg.jp')])),
    rr(RR.SOA, Buffer.concat([name('ns.ex.lg.jp'), name('root.ex.lg.jp'), u32(1, 2, 3, 4, 5)])),
    rr(RR.CAA, caa),
    rr(RR.DS, Buffer.from('abcd', 'hex')),
    rr(RR.TXT, Buffer.concat([Buffer.from([3]), Buffer.from('bar')]), CLASS.CH),
  ]);
  const d = decodeMessage(msg);
  assert.equal(d.aa, true);
  assert.equal(d.rcode, 'NOERROR');
  assert.deepEqual(
    d.answers.map((r) => [r.type, r.data]),
    [
      ['A', '192.0.2.1'],
      ['AAAA', '2001:0:0:1::1'],
      ['CNAME', 'www.ex.lg.jp'],
      ['MX', '10 mail.ex.lg.jp'],
      ['TXT', 'v=spf1 -a'],
      ['SRV', '1 2 443 svc.ex.lg.jp'],
      ['SOA', 'ns.ex.lg.jp root.ex.lg.jp 1 2 3 4 5'],
      ['CAA', '0 issue "ca.example"'],
      ['DS', 'abcd'],
      ['TXT', 'bar'],
    ],
  );
  assert.deepEqual(
    Object.keys(d.answers[0]!),
    ['name', 'type', 'ttl', 'data'],
    'discovery records keep their shape',
  );

  const g = decodeResponse(msg);
  assert.equal(g.rcode, 0);
  assert.equal(g.rcodeName, 'NOERROR');
  assert.equal(g.id, 0xbeef);
  assert.equal(g.aa, true);
  assert.deepEqual(g.question, ['ex.lg.jp.\tIN\tANY']);
  assert.deepEqual(g.answer.map(recordLine), [
    'ex.lg.jp.\t300\tIN\tA\t192.0.2.1',
    'ex.lg.jp.\t300\tIN\tAAAA\t2001:0:0:1::1',
    'ex.lg.jp.\t300\tIN\tCNAME\twww.ex.lg.jp.',
    'ex.lg.jp.\t300\tIN\tMX\t10 mail.ex.lg.jp.',
    'ex.lg.jp.\t300\tIN\tTXT\t"v=spf" "1 -a"',
    'ex.lg.jp.\t300\tIN\tSRV\t1 2 443 svc.ex.lg.jp.',
    'ex.lg.jp.\t300\tIN\tSOA\tns.ex.lg.jp. root.ex.lg.jp. 1 2 3 4 5',
    'ex.lg.jp.\t300\tIN\tCAA\t0 issue "ca.example"',
    'ex.lg.jp.\t300\tIN\tDS\tabcd',
    'ex.lg.jp.\t300\tCH\tTXT\t"bar"',
  ]);
  assert.equal(recordLine({ ...g.answer[0]!, klass: CLASS.HS }), 'ex.lg.jp.\t300\t4\tA\t192.0.2.1');
  assert.equal(decodeResponse(response([], 3)).rcodeName, 'NXDOMAIN');
  assert.equal(decodeResponse(response([], 11)).rcodeName, '11');
  assert.equal(decodeMessage(response([], 11)).rcode, 'RCODE11');
});

test('malformed records are DnsFormatError in both views, never a RangeError or a silent misread', () => {
  const bad = [
    response([rr(RR.A, Buffer.from([192, 0, 2]))]),
    response([rr(RR.AAAA, Buffer.alloc(4))]),
    response([rr(RR.MX, Buffer.from([0]))]),
    response([rr(RR.TXT, Buffer.from([9, 0x41]))]),
    response([rr(RR.SOA, Buffer.concat([name('a.jp'), name('b.jp'), u32(1, 2)]))]),
    response([rr(RR.CAA, Buffer.from([0, 9, 0x41]))]),
    response([rr(RR.A, Buffer.from([1, 2, 3, 4]))]).subarray(0, -2),
    Buffer.from('1234818000010000000000000377777700', 'hex'), // question without type/class
    Buffer.from('12348180000100000000000009616263', 'hex'), // label past end
  ];
  for (const b of bad) {
    assert.throws(() => decodeMessage(b), DnsFormatError, b.toString('hex'));
    assert.throws(() => decodeResponse(b), DnsFormatError, b.toString('hex'));
  }
  const loop = Buffer.from('123481800001000000000000c00c00010001', 'hex');
  assert.throws(() => decodeResponse(loop), /too many compression pointers/);
});
