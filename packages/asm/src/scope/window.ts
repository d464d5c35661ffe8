import type { ScanWindow } from './types.js';

/** True when `now` falls inside one of the windows; no windows means always allowed. */
export function inScanWindow(windows: ScanWindow[] | undefined, now: Date): boolean {
  if (!windows || windows.length === 0) return true;
  return windows.some((w) => {
    if (w.startHour < 0 || w.startHour > 24 || w.endHour < 0 || w.endHour > 24) return false;
    const local = new Date(now.getTime() + (w.utcOffsetMinutes ?? 540) * 60_000);
    const day = local.getUTCDay();
    const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
    if (w.startHour <= w.endHour) return w.days.includes(day) && hour >= w.startHour && hour < w.endHour;
    // Wraps midnight: the part after midnight belongs to the window opened the previous day.
    if (hour >= w.startHour) return w.days.includes(day);
    return hour < w.endHour && w.days.includes((day + 6) % 7);
  });
}
