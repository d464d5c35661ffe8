// Builds a NormalizedEvent with the envelope's host and time as fallbacks, so each parser states only what
// its format says.
import type { NormalizedEvent } from '@mamori/core';
import type { ParseInput } from './types.js';
import { isoFromMs } from './util.js';

type Draft = Omit<NormalizedEvent, 'time' | 'raw'> & { time?: string | number };

export function makeEvent(input: ParseInput, draft: Draft): NormalizedEvent {
  let time: string | undefined;
  if (typeof draft.time === 'number') time = isoFromMs(draft.time);
  else time = draft.time;
  const env = input.envelope;
  let fields = draft.fields;
  if (time === undefined) {
    time = env?.time;
    if (time === undefined) {
      // No time in the line or its envelope: the receipt time stands in, and the event says so.
      time = new Date(input.options.nowMs).toISOString();
      fields = fields ?? {};
      fields.timeSource = 'received';
    }
  }
  const ev: NormalizedEvent = {
    time,
    class: draft.class,
    activity: draft.activity,
    severity: draft.severity,
    disposition: draft.disposition,
    sourceKind: draft.sourceKind,
    format: draft.format,
    raw: input.raw,
  };
  let device = draft.device;
  if (env?.host && !device?.name) {
    if (device) device.name = env.host;
    else device = { name: env.host };
  }
  if (device) ev.device = device;
  if (draft.src) ev.src = draft.src;
  if (draft.dst) ev.dst = draft.dst;
  if (draft.rule) ev.rule = draft.rule;
  if (fields) ev.fields = fields;
  return ev;
}
