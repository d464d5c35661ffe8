// Five-field cron (minute hour day-of-month month day-of-week) evaluated at a fixed UTC offset (JST = 540).
// Fields: *, N, A-B, lists, and /STEP on * or ranges; day-of-week 0–7 (0 and 7 = Sunday). As in Vixie cron, when
// both day fields are restricted a day matching either one runs.
export interface Cron {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domAny: boolean;
  dowAny: boolean;
}

function field(text: string, min: number, max: number, name: string): { set: Set<number>; any: boolean } {
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron ${name}: "${part}" is not *, N, A-B or a step`);
    const step = m[4] ? Number(m[4]) : 1;
    const lo = m[1] === '*' ? min : Number(m[2]);
    const hi = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : lo;
    if (step < 1 || lo < min || hi > max || lo > hi)
      throw new Error(`cron ${name}: "${part}" is out of ${min}–${max}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, any: text === '*' };
}

export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error('cron needs five fields: minute hour day-of-month month day-of-week');
  const dow = field(parts[4]!, 0, 7, 'day-of-week');
  if (dow.set.has(7)) dow.set.add(0);
  const dom = field(parts[2]!, 1, 31, 'day-of-month');
  return {
    minute: field(parts[0]!, 0, 59, 'minute').set,
    hour: field(parts[1]!, 0, 23, 'hour').set,
    dom: dom.set,
    month: field(parts[3]!, 1, 12, 'month').set,
    dow: dow.set,
    domAny: dom.any,
    dowAny: dow.any,
  };
}

/** The first time strictly after `after` the cron fires, or null within two years (e.g. "0 0 31 2 *"). */
export function nextRun(cron: Cron, after: Date, utcOffsetMinutes = 540): Date | null {
  const off = utcOffsetMinutes * 60_000;
  // Work in "local" time expressed through the UTC getters.
  let t = new Date(Math.floor((after.getTime() + off) / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + off + 2 * 366 * 86_400_000;
  while (t.getTime() < limit) {
    if (!cron.month.has(t.getUTCMonth() + 1)) {
      t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
      continue;
    }
    const domOk = cron.dom.has(t.getUTCDate());
    const dowOk = cron.dow.has(t.getUTCDay());
    const dayOk =
      cron.domAny && cron.dowAny ? true : cron.domAny ? dowOk : cron.dowAny ? domOk : domOk || dowOk;
    if (!dayOk) {
      t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1));
      continue;
    }
    if (!cron.hour.has(t.getUTCHours())) {
      t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours() + 1));
      continue;
    }
    if (!cron.minute.has(t.getUTCMinutes())) {
      t = new Date(t.getTime() + 60_000);
      continue;
    }
    return new Date(t.getTime() - off);
  }
  return null;
}
