// Hit outputs: CSV and JSONL written as hits arrive; the HTML report from bounded aggregates (counts by
// level, rule and computer, an hourly timeline, and the top hits), so memory does not grow with the input.
import type { Level } from '@mamori/sigma';
import { levelLabel, t, type Lang } from './i18n.js';
import { parseEventTime } from './time.js';
import { levelRank, levels, type Hit, type HitStatsData } from './types.js';

export const JSONL_KEYS = [
  'timestamp',
  'computer',
  'channel',
  'event_id',
  'rule_title',
  'rule_id',
  'level',
  'author',
  'tags',
  'details',
  'file',
  'record_id',
] as const;

export function jsonlLine(h: Hit): string {
  // Key order fixed by JSONL_KEYS.
  const o: Record<string, unknown> = {};
  for (const k of JSONL_KEYS) o[k] = h[k];
  return JSON.stringify(o);
}

const kv = (key: string, v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? '' : `${JSON.stringify(key)}:${s}`; // undefined: left out, as by JSON.stringify
};
const joinKv = (parts: string[]): string => {
  let s = '';
  for (const p of parts) if (p !== '') s = s === '' ? p : `${s},${p}`;
  return s;
};

/**
 * jsonlLine, byte for byte, from pieces cached per event (time, computer, channel, event id; file and
 * record id) and per rule (title, id, level, author, tags): only `details` is serialised per hit.
 */
export class JsonlLines {
  private readonly rules = new WeakMap<object, string>();

  /** `rule`: the object the hit's rule fields were taken from (the same for every hit of the rule). */
  line(h: Hit, rule: object, ev: { head?: string; tail?: string }): string {
    const head = (ev.head ??= joinKv([
      kv('timestamp', h.timestamp),
      kv('computer', h.computer),
      kv('channel', h.channel),
      kv('event_id', h.event_id),
    ]));
    let mid = this.rules.get(rule);
    if (mid === undefined) {
      mid = joinKv([
        kv('rule_title', h.rule_title),
        kv('rule_id', h.rule_id),
        kv('level', h.level),
        kv('author', h.author),
        kv('tags', h.tags),
      ]);
      this.rules.set(rule, mid);
    }
    const tail = (ev.tail ??= joinKv([kv('file', h.file), kv('record_id', h.record_id)]));
    return `{${joinKv([head, mid, kv('details', h.details), tail])}}`;
  }
}

function csvCell(v: string): string {
  // Cells starting with = + - @ are prefixed so spreadsheets do not run them as formulas.
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvHeader = JSONL_KEYS.join(',');

export function csvLine(h: Hit): string {
  return [
    h.timestamp,
    h.computer,
    h.channel,
    h.event_id === null ? '' : String(h.event_id),
    h.rule_title,
    h.rule_id,
    h.level,
    h.author,
    h.tags.join(' '),
    Object.entries(h.details)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' ¦ '),
    h.file,
    h.record_id === null ? '' : String(h.record_id),
  ]
    .map(csvCell)
    .join(',');
}

const TOP = 200;
const MAX_KEYS = 20000;

/** Bounded aggregates of the hits for the HTML report and the terminal summary. */
export class HitStats {
  total = 0;
  byLevel = new Map<Level, number>();
  byRule = new Map<string, { title: string; level: Level; author: string; count: number }>();
  byComputer = new Map<string, number>();
  byHour = new Map<number, number>();
  first = Infinity;
  last = -Infinity;
  top: Hit[] = [];
  dropped = 0; // keys not tracked once a map is full

  /** `ms`: parseEventTime(h.timestamp), when the caller has it already. */
  add(h: Hit, ms = parseEventTime(h.timestamp)): void {
    this.total++;
    this.byLevel.set(h.level, (this.byLevel.get(h.level) ?? 0) + 1);
    const r = this.byRule.get(h.rule_id);
    if (r) r.count++;
    else if (this.byRule.size < MAX_KEYS)
      this.byRule.set(h.rule_id, { title: h.rule_title, level: h.level, author: h.author, count: 1 });
    else this.dropped++;
    const c = h.computer || '-';
    if (this.byComputer.has(c) || this.byComputer.size < MAX_KEYS)
      this.byComputer.set(c, (this.byComputer.get(c) ?? 0) + 1);
    if (!Number.isNaN(ms)) {
      this.first = Math.min(this.first, ms);
      this.last = Math.max(this.last, ms);
      const hour = Math.floor(ms / 3600000);
      if (this.byHour.has(hour) || this.byHour.size < MAX_KEYS)
        this.byHour.set(hour, (this.byHour.get(hour) ?? 0) + 1);
    }
    this.top.push(h);
    if (this.top.length >= TOP * 2) this.trimTop();
  }

  private trimTop(): void {
    this.top.sort(
      (a, b) => levelRank(b.level) - levelRank(a.level) || a.timestamp.localeCompare(b.timestamp),
    );
    this.top.length = Math.min(this.top.length, TOP);
  }

  /** Add another thread's aggregates (a worker's, at the end of the sweep). */
  merge(o: HitStatsData): void {
    this.total += o.total;
    for (const [k, n] of o.byLevel) this.byLevel.set(k, (this.byLevel.get(k) ?? 0) + n);
    for (const [k, r] of o.byRule) {
      const mine = this.byRule.get(k);
      if (mine) mine.count += r.count;
      else if (this.byRule.size < MAX_KEYS) this.byRule.set(k, { ...r });
      else this.dropped++;
    }
    for (const [k, n] of o.byComputer)
      if (this.byComputer.has(k) || this.byComputer.size < MAX_KEYS)
        this.byComputer.set(k, (this.byComputer.get(k) ?? 0) + n);
    for (const [k, n] of o.byHour)
      if (this.byHour.has(k) || this.byHour.size < MAX_KEYS)
        this.byHour.set(k, (this.byHour.get(k) ?? 0) + n);
    this.first = Math.min(this.first, o.first);
    this.last = Math.max(this.last, o.last);
    this.dropped += o.dropped;
    for (const h of o.top) this.top.push(h);
    this.trimTop();
  }

  topHits(): Hit[] {
    this.trimTop();
    return this.top;
  }
}

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const LEVEL_COLORS: Record<Level, string> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#f59e0b',
  low: '#2563eb',
  informational: '#6b7280',
};

export interface ReportInfo {
  lang: Lang;
  utc: boolean;
  files: number;
  events: number;
  rules: number;
  issues: string[];
  generated: Date;
}

function fmtHour(hour: number, utc: boolean): string {
  const d = new Date(hour * 3600000);
  const p = (n: number) => String(n).padStart(2, '0');
  return utc
    ? `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:00Z`
    : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:00`;
}

function bars(rows: Array<[string, number, string?]>, max: number): string {
  return rows
    .map(
      ([label, n, color]) =>
        `<tr><td>${label}</td><td class="n">${n.toLocaleString('en-US')}</td><td class="bar"><span style="width:${Math.max(
          1,
          Math.round((n / Math.max(1, max)) * 100),
        )}%;background:${color ?? '#0f766e'}"></span></td></tr>`,
    )
    .join('');
}

/** A self-contained HTML page (inline CSS and SVG, no external resources). */
export function htmlReport(stats: HitStats, info: ReportInfo): string {
  const T = t(info.lang);
  const lv = (l: Level) =>
    `<span class="lv" style="background:${LEVEL_COLORS[l]}">${esc(levelLabel(info.lang, l))}</span>`;
  const levelRows = [...levels]
    .reverse()
    .map((l): [string, number, string] => [lv(l), stats.byLevel.get(l) ?? 0, LEVEL_COLORS[l]]);
  const ruleRows = [...stats.byRule.entries()].sort(
    (a, b) => b[1].count - a[1].count || levelRank(b[1].level) - levelRank(a[1].level),
  );
  const compRows = [...stats.byComputer.entries()].sort((a, b) => b[1] - a[1]).slice(0, 100);
  const hours = [...stats.byHour.entries()].sort((a, b) => a[0] - b[0]);
  let timeline = `<p>${esc(T.none)}</p>`;
  if (hours.length) {
    const first = hours[0]![0];
    const lastH = hours[hours.length - 1]![0];
    const span = Math.min(lastH - first + 1, 2000);
    const max = Math.max(...hours.map((h) => h[1]));
    const w = Math.max(600, span * 4);
    const rects = hours
      .filter(([h]) => h - first < span)
      .map(([h, n]) => {
        const bh = Math.max(1, Math.round((n / max) * 120));
        return `<rect x="${(h - first) * (w / span)}" y="${130 - bh}" width="${Math.max(1, w / span - 1)}" height="${bh}" fill="#0f766e"><title>${esc(fmtHour(h, info.utc))}: ${n}</title></rect>`;
      })
      .join('');
    timeline =
      `<svg class="tl" viewBox="0 0 ${w} 150" preserveAspectRatio="none" role="img">${rects}` +
      `<text x="0" y="146" font-size="10">${esc(fmtHour(first, info.utc))}</text>` +
      `<text x="${w}" y="146" font-size="10" text-anchor="end">${esc(fmtHour(first + span - 1, info.utc))}</text></svg>`;
  }
  const period =
    stats.total && Number.isFinite(stats.first)
      ? `${esc(fmtHour(Math.floor(stats.first / 3600000), info.utc))} – ${esc(fmtHour(Math.floor(stats.last / 3600000), info.utc))}`
      : '-';
  const top = stats
    .topHits()
    .map(
      (h) =>
        `<tr><td class="nw">${esc(h.timestamp)}</td><td>${lv(h.level)}</td><td>${esc(h.rule_title)}<div class="sub">${esc(
          h.rule_id,
        )} · ${esc(h.tags.join(' '))}</div></td><td>${esc(h.author)}</td><td>${esc(h.computer)}</td><td>${esc(
          h.channel,
        )}</td><td class="n">${h.event_id ?? ''}</td><td class="det">${Object.entries(h.details)
          .map(([k, v]) => `<b>${esc(k)}</b>: ${esc(v)}`)
          .join(
            '<br>',
          )}</td><td class="sub">${esc(h.file)}${h.record_id === null ? '' : ` #${h.record_id}`}</td></tr>`,
    )
    .join('');
  const maxRule = ruleRows[0]?.[1].count ?? 1;
  return `<!doctype html>
<html lang="${info.lang}"><head><meta charset="utf-8"><title>${esc(T.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"Noto Sans CJK JP","Hiragino Sans",sans-serif;margin:24px;color:#111;background:#fafafa}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;background:#fff;font-size:13px}td,th{border:1px solid #e5e5e5;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f0f0f0}.n{text-align:right;font-variant-numeric:tabular-nums}.nw{white-space:nowrap}
.bar{width:300px}.bar span{display:block;height:12px}.lv{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;white-space:nowrap}
.sub{color:#666;font-size:11px;word-break:break-all}.det{font-size:12px;word-break:break-all;max-width:480px}
.tl{width:100%;height:160px;background:#fff;border:1px solid #e5e5e5}.note{color:#555;font-size:12px}
</style></head><body>
<h1>${esc(T.title)}</h1>
<p class="note">${esc(T.generated)}: ${esc(info.generated.toISOString())}</p>
<h2>${esc(T.summary)}</h2>
<table><tr><th>${esc(T.files)}</th><td class="n">${info.files}</td></tr>
<tr><th>${esc(T.events)}</th><td class="n">${info.events.toLocaleString('en-US')}</td></tr>
<tr><th>${esc(T.hits)}</th><td class="n" id="total-hits">${stats.total.toLocaleString('en-US')}</td></tr>
<tr><th>${esc(T.rules)}</th><td class="n">${info.rules}</td></tr>
<tr><th>${esc(T.period)}</th><td>${period}</td></tr></table>
<h2>${esc(T.byLevel)}</h2><table id="by-level">${bars(levelRows, Math.max(1, ...levelRows.map((r) => r[1])))}</table>
<h2>${esc(T.timeline)}</h2>${timeline}
<h2>${esc(T.byRule)}</h2><table id="by-rule"><tr><th>${esc(T.rule)}</th><th>${esc(T.level)}</th><th>${esc(T.author)}</th><th>${esc(
    T.count,
  )}</th><th></th></tr>${ruleRows
    .map(
      ([id, r]) =>
        `<tr><td>${esc(r.title)}<div class="sub">${esc(id)}</div></td><td>${lv(r.level)}</td><td>${esc(r.author)}</td><td class="n">${r.count}</td><td class="bar"><span style="width:${Math.max(
          1,
          Math.round((r.count / maxRule) * 100),
        )}%;background:${LEVEL_COLORS[r.level]}"></span></td></tr>`,
    )
    .join('')}</table>
<h2>${esc(T.byComputer)}</h2><table id="by-computer">${bars(
    compRows.map(([c, n]): [string, number] => [esc(c), n]),
    compRows[0]?.[1] ?? 1,
  )}</table>
<h2>${esc(T.topHits)}</h2>${
    top
      ? `<table id="top-hits"><tr><th>${esc(T.time)}</th><th>${esc(T.level)}</th><th>${esc(T.rule)}</th><th>${esc(T.author)}</th><th>${esc(
          T.computer,
        )}</th><th>${esc(T.channel)}</th><th>${esc(T.eventId)}</th><th>${esc(T.details)}</th><th>${esc(T.source)}</th></tr>${top}</table>`
      : `<p>${esc(T.none)}</p>`
  }
${
  info.issues.length
    ? `<h2>${esc(T.issues)} (${info.issues.length})</h2><ul>${info.issues
        .slice(0, 200)
        .map((i) => `<li class="sub">${esc(i)}</li>`)
        .join('')}</ul>`
    : ''
}
<p class="note">${esc(T.license)}</p>
</body></html>
`;
}
