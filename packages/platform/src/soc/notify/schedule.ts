// Contact availability: days of the week and hours in Japan time (Asia/Tokyo, UTC+9, no daylight saving).
import { MamoriError } from '@mamori/core';

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];
const JST_MS = 9 * 3_600_000;

export function parseHours(text: string): { from: number; to: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m || (m[3] === '24' && m[4] !== '00'))
    throw new MamoriError('MAMORI_VALIDATION', {
      reason: 'hours must be HH:MM-HH:MM (e.g. 08:30-17:15, 22:00-06:00)',
    });
  return { from: Number(m[1]) * 60 + Number(m[2]), to: Number(m[3]) * 60 + Number(m[4]) };
}

export function parseDays(list: readonly string[] | string): Day[] {
  const items = (typeof list === 'string' ? list.split(',') : [...list])
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) throw new MamoriError('MAMORI_VALIDATION', { reason: 'days: at least one day' });
  for (const d of items)
    if (!DAYS.includes(d as Day))
      throw new MamoriError('MAMORI_VALIDATION', { reason: `days: unknown day ${d} (mon … sun)` });
  return DAYS.filter((d) => items.includes(d));
}

/**
 * Is `at` inside the contact's hours? A window that wraps midnight (22:00-06:00) belongs to the day it
 * starts on: Friday 22:00-06:00 covers Saturday 03:00. 00:00-24:00 is the whole day.
 */
export function withinSchedule(at: Date, days: readonly string[], hours: string): boolean {
  const { from, to } = parseHours(hours);
  const jst = new Date(at.getTime() + JST_MS);
  const minute = jst.getUTCHours() * 60 + jst.getUTCMinutes();
  const today = DAYS[jst.getUTCDay()]!;
  const yesterday = DAYS[(jst.getUTCDay() + 6) % 7]!;
  if (from === to) return days.includes(today);
  if (from < to) return days.includes(today) && minute >= from && minute < to;
  return (days.includes(today) && minute >= from) || (days.includes(yesterday) && minute < to);
}
