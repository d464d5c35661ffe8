// Stored events back into SocEvents (soc_events keeps device/src/dst/rule/fields as JSON), for the alert
// detail's evidence and for the stage's start-up replay.
import type { SocEventsTable } from '@mamori/store';
import type { SocEvent } from '../types.js';

export function rowToSocEvent(r: SocEventsTable): SocEvent {
  let extra: Partial<SocEvent>;
  try {
    extra = JSON.parse(r.fields_json) as Partial<SocEvent>;
  } catch {
    extra = {};
  }
  return {
    ...extra,
    id: r.id,
    time: r.time,
    receivedAt: Number(r.received_at),
    organizationId: r.organization_id,
    prefectureId: r.prefecture_id,
    class: r.class as SocEvent['class'],
    activity: r.activity,
    severity: r.severity as SocEvent['severity'],
    disposition: r.disposition as SocEvent['disposition'],
    sourceKind: r.source_kind,
    format: r.format,
    unattributedReason: r.unattributed_reason,
    raw: r.raw,
  };
}
