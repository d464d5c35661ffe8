// Months of the report are months in Japan time (UTC+9, no daylight saving): a municipality's November starts
// at 00:00 JST on the 1st, which is 15:00 UTC on the last day of October.
import { MamoriError } from '@mamori/core';

const JST_MS = 9 * 3600_000;

export function isMonth(value: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[1]) >= 2000;
}

export function parseMonth(value: string): { year: number; month: number } {
  if (!isMonth(value)) {
    throw new MamoriError('MAMORI_VALIDATION', { reason: `month must be YYYY-MM (2000 or later): ${value}` });
  }
  return { year: Number(value.slice(0, 4)), month: Number(value.slice(5, 7)) };
}

export function formatMonth(year: number, month: number): string {
  const d = new Date(Date.UTC(year, month - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function previousMonth(value: string): string {
  const { year, month } = parseMonth(value);
  return formatMonth(year, month - 1);
}

/** The month before the one `now` falls in (Japan time): the month a report is usually asked for. */
export function lastCompleteMonth(now: Date): string {
  const jst = new Date(now.getTime() + JST_MS);
  return formatMonth(jst.getUTCFullYear(), jst.getUTCMonth());
}

/** [from, to) of a Japan-time month as UTC instants. */
export function monthRange(value: string): { from: Date; to: Date } {
  const { year, month } = parseMonth(value);
  return {
    from: new Date(Date.UTC(year, month - 1, 1) - JST_MS),
    to: new Date(Date.UTC(year, month, 1) - JST_MS),
  };
}

/**
 * Hour key bound for comparing with soc_rollups.hour ('YYYY-MM-DDTHH…', UTC). The 13-character prefix sorts
 * the same way whatever the rollup writes after it, so `hour >= bound(from) and hour < bound(to)` selects the
 * hours of the month.
 */
export function hourBound(at: Date): string {
  return at.toISOString().slice(0, 13);
}
