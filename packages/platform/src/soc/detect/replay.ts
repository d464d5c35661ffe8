// Stored events back into SocEvents (device/src/dst/rule/fields re-parsed from raw, or JSON in older rows), for the alert
// detail's evidence and for the stage's start-up replay.
import type { SocEventsTable } from '@mamori/store';
import { storedDetail } from '../events/service.js';
import type { SocEvent } from '../types.js';

export function rowToSocEvent(r: SocEventsTable): SocEvent {
  const extra: Partial<SocEvent> = storedDetail(r);
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
