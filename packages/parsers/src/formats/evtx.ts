// Windows events from .evtx files, read with @mamori/evtx and normalized with the same mapping as Winlogbeat
// (data/windows-events.json). Not a line format: records come from the file reader, so this is an adapter
// beside the registry rather than a registered parser.
import type { NormalizedEvent } from '@mamori/core';
import { readEvtx, type EvtxIssue, type JsonObject } from '@mamori/evtx';
import { makeEvent } from '../event.js';
import { resolveOptions } from '../registry.js';
import { ParseError } from '../types.js';
import type { ParseOptions, ParseResult } from '../types.js';
import { parseIsoLike, str, toInt } from '../util.js';
import { windowsFields } from './winlogbeat.js';

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function attr(v: unknown, name: string): unknown {
  return obj(obj(v)?.['#attributes'])?.[name];
}

/** A value that may carry XML attributes: {"#attributes": …, "#text": x} or x. */
function text(v: unknown): unknown {
  const o = obj(v);
  return o && '#text' in o ? o['#text'] : v;
}

/** Security audit keywords: 0x8010… is audit failure, 0x8020… audit success. */
function auditOutcome(keywords: string | undefined): string | undefined {
  if (keywords?.startsWith('0x8010')) return 'failure';
  if (keywords?.startsWith('0x8020')) return 'success';
  return undefined;
}

/**
 * One rendered EVTX record ({"Event": {"System": …, "EventData" | "UserData": …}}, the regression-JSON shape
 * @mamori/evtx renders) → NormalizedEvent. `raw` is the record as compact JSON.
 */
export function normalizeEvtxEvent(event: JsonObject, options?: ParseOptions, raw?: string): ParseResult {
  const ev = obj(event.Event);
  const sys = obj(ev?.System);
  if (!ev || !sys) return new ParseError('evtx', 'record without Event.System');
  const eventId = toInt(text(sys.EventID));
  if (eventId === undefined) return new ParseError('evtx', 'record without System.EventID');
  const ts = str(attr(sys.TimeCreated, 'SystemTime'));
  const time = ts ? parseIsoLike(ts, 0) : NaN;
  if (Number.isNaN(time))
    return new ParseError('evtx', `bad or missing TimeCreated "${(ts ?? '').slice(0, 40)}"`);
  const channel = str(sys.Channel);
  const computer = str(sys.Computer);
  let data = obj(ev.EventData) ?? {};
  // UserData has one wrapper element whose children are the fields.
  const ud = obj(ev.UserData);
  if (ud) {
    const inner = Object.values(ud).find((v) => obj(v) !== undefined);
    data = { ...obj(inner), ...data };
  }
  const r = windowsFields({
    eventId,
    channel,
    provider: str(attr(sys.Provider, 'Name')),
    computer,
    time,
    data,
    recordId: str(sys.EventRecordID),
    outcome: auditOutcome(str(sys.Keywords)),
  });
  const opts = resolveOptions(options);
  const line = raw ?? JSON.stringify(event);
  return makeEvent(
    { raw: line, payload: line, options: opts },
    {
      time,
      class: r.class,
      activity: r.activity,
      severity: r.severity,
      disposition: r.disposition,
      sourceKind: 'endpoint',
      format: 'evtx',
      device: { name: computer, vendor: 'Microsoft', product: 'Windows' },
      src: r.src,
      dst: r.dst,
      rule: { id: String(eventId), name: r.name },
      fields: r.fields,
    },
  );
}

export type EvtxItem =
  | { ok: true; recordId: number; event: NormalizedEvent }
  | { ok: false; recordId?: number; error: ParseError };

/**
 * Reads an .evtx file and yields one normalized event per record. Damaged parts the reader skips and records
 * that do not normalize are yielded as errors (counted, kept with their reason), never thrown.
 */
export async function* parseEvtxFile(path: string, options?: ParseOptions): AsyncGenerator<EvtxItem> {
  // Warnings mean data was read but may be unreliable; only skipped data ('error') is reported.
  const issues: EvtxIssue[] = [];
  const onIssue = (i: EvtxIssue): void => {
    if (i.severity === 'error') issues.push(i);
  };
  try {
    for await (const rec of readEvtx(path, { onIssue })) {
      while (issues.length) yield { ok: false, error: new ParseError('evtx', issueText(issues.shift()!)) };
      let r: ParseResult;
      try {
        r = normalizeEvtxEvent(rec.event, options);
      } catch (e) {
        r = new ParseError('evtx', `record ${rec.recordId}: ${(e as Error).message.slice(0, 200)}`);
      }
      if (r instanceof ParseError) yield { ok: false, recordId: rec.recordId, error: r };
      else yield { ok: true, recordId: rec.recordId, event: r };
    }
  } catch (e) {
    yield {
      ok: false,
      error: new ParseError('evtx', `unreadable file: ${(e as Error).message.slice(0, 200)}`),
    };
  }
  while (issues.length) yield { ok: false, error: new ParseError('evtx', issueText(issues.shift()!)) };
}

function issueText(i: EvtxIssue): string {
  return `${i.chunk === null ? 'file header' : `chunk ${i.chunk}`} at offset ${i.offset}: ${i.message.slice(0, 200)}`;
}
