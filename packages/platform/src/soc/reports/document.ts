// The report as the platform's neutral report document (src/reports/model.ts): key-value lines and tables,
// so PDF and Excel show the same content in the same order and the renderers know nothing about SOC figures.
import type { DocTable, ReportDocument } from '../../reports/model.js';
import { reportLabels } from './labels.js';
import type { MonthlyReport } from './types.js';

export type { DocTable, ReportDocument };

const jstFormat = (iso: string, locale: 'ja' | 'en', withTime: boolean) =>
  new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
    timeZone: 'Asia/Tokyo',
  }).format(new Date(iso));

export function monthLabel(month: string, locale: 'ja' | 'en'): string {
  const [y, m] = month.split('-');
  return locale === 'ja' ? `${y}年${Number(m)}月` : `${month}`;
}

export function reportDocument(r: MonthlyReport): ReportDocument {
  const loc = r.locale;
  const T = (k: string) => reportLabels.text[k]?.[loc] ?? k;
  const lastDay = new Date(Date.parse(r.period.to) - 1).toISOString();
  const meta: [string, string][] = [
    [T('organization'), r.scope.code ? `${r.scope.name}（${r.scope.code}）` : r.scope.name],
    [
      T('period'),
      `${monthLabel(r.month, loc)}（${jstFormat(r.period.from, loc, false)} – ${jstFormat(lastDay, loc, false)}）`,
    ],
    [T('generatedAt'), jstFormat(r.generatedAt, loc, true)],
  ];
  const tables: DocTable[] = [];
  tables.push({
    name: T('summary'),
    heading: `${T('summary')}（${monthLabel(r.month, loc)} / ${T('lastMonth')} ${monthLabel(r.previousMonth, loc)}）`,
    columns: [
      { label: T('section'), weight: 3 },
      { label: T('figure'), weight: 3 },
      { label: T('thisMonth'), numeric: true },
      { label: T('lastMonth'), numeric: true },
      { label: T('change'), numeric: true },
    ],
    rows: r.rows.map((x) => [x.sectionLabel, x.label, x.value, x.previous, x.change]),
  });
  tables.push({
    name: T('wafByType').slice(0, 31),
    heading: T('wafByType'),
    columns: [
      { label: T('attackType'), weight: 3 },
      { label: T('thisMonth'), numeric: true },
      { label: T('lastMonth'), numeric: true },
    ],
    rows: r.wafByType.length ? r.wafByType.map((x) => [x.label, x.count, x.previous]) : [[T('none'), 0, 0]],
  });
  if (r.proxyByCategory.length) {
    tables.push({
      name: T('urlByCategory').slice(0, 31),
      heading: T('urlByCategory'),
      columns: [
        { label: T('category'), weight: 3 },
        { label: T('thisMonth'), numeric: true },
        { label: T('lastMonth'), numeric: true },
      ],
      rows: r.proxyByCategory.map((x) => [x.label, x.count, x.previous]),
    });
  }
  if (r.scope.kind !== 'municipality') {
    tables.push({
      name: T('byOrganization').slice(0, 31),
      heading: T('byOrganization'),
      columns: [
        { label: T('organization'), weight: 2 },
        { label: T('code'), weight: 1.2 },
        ...r.byOrganizationColumns.map((c) => ({ label: c.label, numeric: true })),
      ],
      rows: r.byOrganization.map((o) => [
        o.name,
        o.code,
        ...r.byOrganizationColumns.map((c) => o.values[c.key] ?? 0),
      ]),
    });
  }
  return { title: r.title, meta, tables, footnote: T('timeZone'), locale: loc };
}
