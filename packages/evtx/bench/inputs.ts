// Benchmark inputs built from the SigmaHQ regression samples (test/fixtures/regression):
//  - "samples": the samples' chunks concatenated and repeated — real Windows-written chunks, but sparse
//    (about one record per 64 KiB chunk, as exported for the regression tests);
//  - "dense": the samples' records re-packed into full chunks (templates and names defined once per chunk
//    and shared, as Windows writes live logs), cycling through every sample record in turn.
import { ChunkBinXml, type Node, type TemplateInstanceNode } from '../src/binxml.js';
import { NestedXml } from '../src/values.js';
import {
  buildChunks,
  type XElement,
  type XRecord,
  type XSubst,
  type XValue,
} from '../test/helpers/build-evtx.js';
import { chunksOf, fileOfChunks } from '../test/helpers/combine.js';
import { fixtureFiles } from '../test/helpers/fixtures.js';

export function samplesInput(repeat: number): Buffer {
  const chunks = fixtureFiles('.evtx').flatMap(chunksOf);
  return fileOfChunks(Array.from({ length: repeat }, () => chunks).flat());
}

function toXElement(n: Node): XElement {
  if (n.k !== 1) throw new Error('element expected');
  const attrs = n.attrs.map((a): [string, XValue] => {
    const v = a.value[0];
    if (a.value.length !== 1 || !v || (v.k !== 2 && v.k !== 3)) throw new Error('simple attribute expected');
    return [a.name, v.k === 2 ? { text: v.v } : { sub: v.index, optional: v.optional }];
  });
  const children = n.children.map((c): XElement | XValue => {
    if (c.k === 1) return toXElement(c);
    if (c.k === 2) return { text: c.v };
    if (c.k === 3) return { sub: c.index, optional: c.optional };
    throw new Error('unsupported node in template');
  });
  return { el: n.name, attrs, children };
}

type Instance = { template: XElement; values: XSubst[] };

/**
 * A template instance whose 0x0c token is at `at`, as template + raw values; nested BinXML values that are
 * themselves template instances are taken apart the same way so that they can be re-packed at new offsets.
 */
function instanceAt(
  chunk: Buffer,
  at: number,
  ti: TemplateInstanceNode,
  templates: Map<string, XElement>,
): Instance {
  const defOffset = chunk.readUInt32LE(at + 6);
  let p = at + 10;
  if (defOffset === p) p = defOffset + 24 + chunk.readUInt32LE(defOffset + 20);
  const count = chunk.readUInt32LE(p);
  let data = p + 4 + count * 4;
  const values: XSubst[] = [];
  for (let i = 0; i < count; i++) {
    const size = chunk.readUInt16LE(p + 4 + i * 4);
    const type = chunk[p + 4 + i * 4 + 2]!;
    const decoded = ti.values[i];
    if (type === 0x21) {
      const inner =
        decoded instanceof NestedXml ? (decoded.content as Node[]).find((n) => n.k === 4) : undefined;
      if (!inner || inner.k !== 4 || chunk[data] !== 0x0f || chunk[data + 4] !== 0x0c)
        throw new Error('unmovable');
      values.push({ type: 0x21, instance: instanceAt(chunk, data + 4, inner, templates) });
    } else values.push({ type, bytes: Buffer.from(chunk.subarray(data, data + size)) });
    data += size;
  }
  const root = ti.template.content.find((n) => n.k === 1);
  if (!root) throw new Error('unmovable');
  const key = `${ti.template.guid}:${ti.template.offset}:${chunk.readUInt32LE(16)}`;
  let t = templates.get(key);
  if (!t) templates.set(key, (t = toXElement(root)));
  return { template: t, values };
}

/** Every sample record as template + raw substitution values, ready to be re-packed. */
export function sampleRecords(): XRecord[] {
  const out: XRecord[] = [];
  for (const file of fixtureFiles('.evtx')) {
    for (const chunk of chunksOf(file)) {
      // Templates are identified per chunk; the same XElement object lets the writer share definitions.
      const templates = new Map<string, XElement>();
      const bx = new ChunkBinXml(chunk);
      const end = chunk.readUInt32LE(48);
      for (let pos = 512; pos + 28 <= end;) {
        const size = chunk.readUInt32LE(pos + 4);
        if (chunk.readUInt32LE(pos) !== 0x2a2a || size < 28) break;
        const ti = bx.parseFragment(pos + 24, pos + size - 4).find((n) => n.k === 4);
        const start = pos + 24;
        pos += size;
        if (!ti || ti.k !== 4 || chunk[start + 4] !== 0x0c) continue;
        try {
          out.push({ id: 0, ...instanceAt(chunk, start + 4, ti, templates) });
        } catch {
          // Records of another shape are left out of the pool.
        }
      }
    }
  }
  return out;
}

/**
 * `records` sample records packed into full chunks. Like a live log, a stretch of records mixes a handful
 * of event types: each run of 200 records cycles through a window of 12 sample records, and the window
 * moves on, so every sample is used.
 */
export function denseInput(records: number): Buffer {
  const pool = sampleRecords();
  const recs: XRecord[] = [];
  for (let i = 0; i < records; i++) {
    const base = Math.floor(i / 200) * 12;
    recs.push({ ...pool[(base + (i % 12)) % pool.length]!, id: i + 1 });
  }
  return fileOfChunks(buildChunks(recs));
}

/** Replace the text values of an event's payload (nested BinXML: EventData/UserData) with neutral text. */
function neutralize(values: XSubst[], nested: boolean, n: number): XSubst[] {
  return values.map((v, j) => {
    if ('instance' in v)
      return { type: 0x21, instance: { ...v.instance, values: neutralize(v.instance.values, true, n) } };
    if (nested && 'bytes' in v && v.type === 0x01 && v.bytes.length > 2) {
      // A path-like value, different per field (so that e.g. Image and ParentImage differ).
      return { type: 0x01, bytes: Buffer.from(`C:\\Windows\\System32\\tool${j}x${n % 97}.exe\0`, 'utf16le') };
    }
    return v;
  });
}

/**
 * A log where one record in `attackEvery` is an attack sample and the others are the same event types with
 * neutral payload text (paths, command lines, names replaced), so that most events reach no rule: closer to a
 * real log than `denseInput`, where every event is an attack.
 */
export function mixedInput(records: number, attackEvery = 100): Buffer {
  const pool = sampleRecords();
  const recs: XRecord[] = [];
  for (let i = 0; i < records; i++) {
    const base = Math.floor(i / 200) * 12;
    const r = pool[(base + (i % 12)) % pool.length]!;
    const values = i % attackEvery === 0 ? r.values : neutralize(r.values, false, i);
    recs.push({ id: i + 1, template: r.template, values });
  }
  return fileOfChunks(buildChunks(recs));
}
