// Every BinXML value type, arrays and nested BinXML, through a synthetic file written by test/helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvtxSync, type EvtxIssue } from '../src/index.js';
import { buildChunk, buildFile, type XElement, type XSubst } from './helpers/build-evtx.js';

const le = (bytes: number, write: (b: Buffer) => void): Buffer => {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
};
const wstr = (s: string) => Buffer.from(s + '\0', 'utf16le');

// Each case: name, value, expected JSON value.
const cases: Array<[string, XSubst, unknown]> = [
  ['WString', { type: 0x01, bytes: wstr('héllo 守り') }, 'héllo 守り'],
  ['AnsiString', { type: 0x02, bytes: Buffer.from('ansi\0', 'latin1') }, 'ansi'],
  ['Int8', { type: 0x03, bytes: le(1, (b) => b.writeInt8(-5)) }, -5],
  ['UInt8', { type: 0x04, bytes: le(1, (b) => b.writeUInt8(250)) }, 250],
  ['Int16', { type: 0x05, bytes: le(2, (b) => b.writeInt16LE(-300)) }, -300],
  ['UInt16', { type: 0x06, bytes: le(2, (b) => b.writeUInt16LE(65000)) }, 65000],
  ['Int32', { type: 0x07, bytes: le(4, (b) => b.writeInt32LE(-70000)) }, -70000],
  ['UInt32', { type: 0x08, bytes: le(4, (b) => b.writeUInt32LE(4000000000)) }, 4000000000],
  ['Int64', { type: 0x09, bytes: le(8, (b) => b.writeBigInt64LE(-5000000000000n)) }, -5000000000000],
  ['UInt64', { type: 0x0a, bytes: le(8, (b) => b.writeBigUInt64LE(123456789012n)) }, 123456789012],
  [
    'UInt64Big',
    { type: 0x0a, bytes: le(8, (b) => b.writeBigUInt64LE(2n ** 60n + 1n)) },
    '1152921504606846977',
  ],
  ['Real32', { type: 0x0b, bytes: le(4, (b) => b.writeFloatLE(1.5)) }, 1.5],
  ['Real64', { type: 0x0c, bytes: le(8, (b) => b.writeDoubleLE(-2.25)) }, -2.25],
  ['BoolTrue', { type: 0x0d, bytes: le(4, (b) => b.writeUInt32LE(1)) }, true],
  ['BoolFalse', { type: 0x0d, bytes: le(4, (b) => b.writeUInt32LE(0)) }, false],
  ['Binary', { type: 0x0e, bytes: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]) }, 'DEADBEEF01'],
  [
    'Guid',
    { type: 0x0f, bytes: Buffer.from('5f387057 2ac2 e043 bf4c06f5698ffbd9'.replace(/ /g, ''), 'hex') },
    '5770385F-C22A-43E0-BF4C-06F5698FFBD9',
  ],
  ['SizeT64', { type: 0x10, bytes: le(8, (b) => b.writeBigUInt64LE(0x7ff6a000n)) }, '0x000000007ff6a000'],
  ['SizeT32', { type: 0x10, bytes: le(4, (b) => b.writeUInt32LE(0x1000)) }, '0x00001000'],
  // 2025-11-27T07:40:10.1653245Z: FILETIME ticks, microseconds truncated like the regression JSON.
  [
    'FileTime',
    {
      type: 0x11,
      bytes: le(8, (b) =>
        b.writeBigUInt64LE(
          BigInt(Date.UTC(2025, 10, 27, 7, 40, 10)) * 10000n + 116444736000000000n + 1653245n,
        ),
      ),
    },
    '2025-11-27T07:40:10.165324Z',
  ],
  [
    'SystemTime',
    {
      type: 0x12,
      bytes: le(16, (b) => [2024, 2, 4, 29, 23, 59, 58, 7].forEach((v, i) => b.writeUInt16LE(v, i * 2))),
    },
    '2024-02-29T23:59:58.007Z',
  ],
  [
    'Sid',
    {
      type: 0x13,
      bytes: Buffer.concat([
        Buffer.from([1, 2, 0, 0, 0, 0, 0, 5]),
        le(8, (b) => {
          b.writeUInt32LE(32, 0);
          b.writeUInt32LE(544, 4);
        }),
      ]),
    },
    'S-1-5-32-544',
  ],
  ['HexInt32', { type: 0x14, bytes: le(4, (b) => b.writeUInt32LE(0x378)) }, '0x378'],
  [
    'HexInt64',
    { type: 0x15, bytes: le(8, (b) => b.writeBigUInt64LE(0x8020000000000000n)) },
    '0x8020000000000000',
  ],
  ['Null', { type: 0x00, bytes: Buffer.alloc(0) }, null],
  [
    'UInt16Array',
    { type: 0x86, bytes: le(6, (b) => [1, 2, 65535].forEach((v, i) => b.writeUInt16LE(v, i * 2))) },
    [1, 2, 65535],
  ],
  ['WStringArray', { type: 0x81, bytes: Buffer.concat([wstr('a'), wstr('bc'), wstr('')]) }, ['a', 'bc', '']],
  ['HexInt32Array', { type: 0x94, bytes: le(8, (b) => b.writeUInt32LE(0xff, 4)) }, ['0x0', '0xff']],
];

function dataTemplate(names: string[]): XElement {
  return {
    el: 'Event',
    attrs: [['xmlns', { text: 'http://schemas.microsoft.com/win/2004/08/events/event' }]],
    children: [
      {
        el: 'System',
        children: [
          { el: 'EventID', children: [{ sub: 0 }] },
          {
            el: 'Execution',
            attrs: [
              ['ProcessID', { sub: 1 }],
              ['Optional', { sub: 2, optional: true }],
            ],
          },
          { el: 'Correlation' },
        ],
      },
      {
        el: 'EventData',
        children: names.map((n, i) => ({
          el: 'Data',
          attrs: [['Name', { text: n }]] as Array<[string, { text: string }]>,
          children: [{ sub: i + 3 }],
        })),
      },
    ],
  };
}

function writeTemp(name: string, data: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-evtx-'));
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const u16 = (v: number) => ({ type: 0x06, bytes: le(2, (b) => b.writeUInt16LE(v)) });
const u32 = (v: number) => ({ type: 0x08, bytes: le(4, (b) => b.writeUInt32LE(v)) });

test('every value type decodes to the regression-JSON form', () => {
  const t = dataTemplate(cases.map((c) => c[0]));
  const values: XSubst[] = [
    u16(4624),
    u32(612),
    { type: 0x00, bytes: Buffer.alloc(0) },
    ...cases.map((c) => c[1]),
  ];
  const file = writeTemp('types.evtx', buildFile([buildChunk([{ id: 7, template: t, values }])]));
  const issues: EvtxIssue[] = [];
  const recs = [...readEvtxSync(file, { onIssue: (i) => issues.push(i) })];
  assert.deepEqual(issues, []);
  assert.equal(recs.length, 1);
  const ev = recs[0]!.event as {
    Event: { System: Record<string, unknown>; EventData: Record<string, unknown> };
  };
  assert.equal(recs[0]!.recordId, 7);
  assert.equal(ev.Event.System.EventID, 4624);
  // The optional substitution has no value: the attribute is left out.
  assert.deepEqual(ev.Event.System.Execution, { '#attributes': { ProcessID: 612 } });
  assert.equal(ev.Event.System.Correlation, null);
  for (const [name, , expected] of cases) assert.deepEqual(ev.Event.EventData[name], expected, name);
});

test('templates are shared between records, nested BinXML renders in place, XML output', () => {
  const t: XElement = {
    el: 'Event',
    children: [
      { el: 'System', children: [{ el: 'EventID', children: [{ sub: 0 }] }] },
      { el: 'UserData', children: [{ sub: 1 }] },
    ],
  };
  const nested: XElement = {
    el: 'LogFileCleared',
    attrs: [['xmlns', { text: 'urn:x' }]],
    children: [
      { el: 'SubjectUserName', children: [{ text: 'admin & <co>' }] },
      { el: 'Item', children: [{ text: 'one' }] },
      { el: 'Item', children: [{ text: 'two' }] },
    ],
  };
  const chunk = buildChunk([
    { id: 1, template: t, values: [u16(1102), { type: 0x21, nested }] },
    { id: 2, template: t, values: [u16(104), { type: 0x21, nested }] },
  ]);
  const file = writeTemp('nested.evtx', buildFile([chunk]));
  const recs = [...readEvtxSync(file)];
  assert.deepEqual(
    recs.map((r) => r.event),
    [1102, 104].map((id) => ({
      Event: {
        System: { EventID: id },
        UserData: {
          LogFileCleared: {
            '#attributes': { xmlns: 'urn:x' },
            SubjectUserName: 'admin & <co>',
            Item: ['one', 'two'],
          },
        },
      },
    })),
  );
  assert.equal(
    recs[1]!.toXml(),
    '<Event><System><EventID>104</EventID></System><UserData><LogFileCleared xmlns="urn:x">' +
      '<SubjectUserName>admin &amp; &lt;co&gt;</SubjectUserName><Item>one</Item><Item>two</Item>' +
      '</LogFileCleared></UserData></Event>',
  );
});

test('a file that is not EVTX is a clear error', () => {
  const file = writeTemp('bad.evtx', Buffer.from('hello world, not an event log'));
  assert.throws(() => [...readEvtxSync(file)], /not an EVTX file/);
});
