// Hit timestamps: local time with its UTC offset by default, UTC with --utc; ISO 8601 either way.

/** Parse an event time; a zone-less "YYYY-MM-DD HH:MM:SS" (Sysmon UtcTime) is UTC. */
export function parseEventTime(raw: string | undefined): number {
  if (!raw) return NaN;
  const t = Date.parse(raw);
  if (!Number.isNaN(t) && /[zZ]|[+-]\d\d:?\d\d$/.test(raw)) return t;
  return Date.parse(raw.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? '' : 'Z'));
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** The hit timestamp of an event time already parsed (`t` = parseEventTime(raw)); `raw` when unparsable. */
export function formatEventTime(t: number, raw: string | undefined, utc: boolean): string {
  if (Number.isNaN(t)) return raw ?? '';
  const d = new Date(t);
  if (utc) return d.toISOString();
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:` +
    `${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}${sign}${p2(Math.floor(a / 60))}:${p2(a % 60)}`
  );
}
