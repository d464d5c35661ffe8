// The 地方版ASM per-organization report as a document: summary (risk score, counts, KEV first), each finding
// with what to do, fixed and accepted findings, and the asset inventory and scope as appendices.
import { readFileSync } from 'node:fs';
import type { Severity } from '@mamori/core';
import type { AsmFinding, AsmOrgReport } from '../asm/types.js';
import type { Block, DocSection, DocTable, FigureTone, ReportDocument } from './model.js';

type Label = { ja: string; en: string };
interface AsmLabels {
  title: Label;
  severity: Record<Severity, Label>;
  status: Record<string, Label>;
  text: Record<string, Label>;
}

const labels = JSON.parse(
  readFileSync(new URL('../../data/asm-report.json', import.meta.url), 'utf8'),
) as AsmLabels;

export interface AsmReportOptions {
  locale?: 'ja' | 'en';
  /** Findings described one by one in the PDF; the rest are in the Excel sheet (default 150). */
  pdfDetailLimit?: number;
}

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
const TONE: Record<Severity, FigureTone> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  informational: 'info',
};

function jst(iso: string | null, locale: 'ja' | 'en', withTime = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
    timeZone: 'Asia/Tokyo',
  }).format(d);
}

const target = (f: AsmFinding) =>
  f.port === null ? f.host : `${f.host}:${f.port}${f.transport === 'udp' ? '/udp' : ''}`;

export function asmOrgReportDocument(r: AsmOrgReport, options: AsmReportOptions = {}): ReportDocument {
  const loc = options.locale ?? 'ja';
  const T = (k: string) => labels.text[k]?.[loc] ?? k;
  const sev = (s: Severity) => labels.severity[s]?.[loc] ?? s;
  const st = (s: string) => labels.status[s]?.[loc] ?? s;
  const limit = options.pdfDetailLimit ?? 150;
  const org = r.organization;

  const meta: [string, string][] = [[T('organization'), org.code ? `${org.name}（${org.code}）` : org.name]];
  if (org.prefectureName) meta.push([T('prefecture'), org.prefectureName]);
  meta.push([
    T('lastScan'),
    r.lastScan ? jst(r.lastScan.finishedAt ?? r.lastScan.queuedAt, loc, true) : T('noScan'),
  ]);
  meta.push([T('generatedAt'), jst(r.generatedAt, loc, true)]);

  const toAct = SEVERITIES.reduce((n, s) => n + (r.findingsBySeverity[s] ?? 0), 0);
  const openKev = r.kevFindings.filter((f) => f.status !== 'fixed' && f.status !== 'false_positive');
  const sections: DocSection[] = [];
  sections.push({
    heading: T('summary'),
    blocks: [
      { kind: 'paragraph', text: T('summaryIntro') },
      {
        kind: 'figures',
        items: [
          {
            label: T('riskScore'),
            value: r.riskScore,
            tone: r.riskScore >= 70 ? 'critical' : r.riskScore >= 40 ? 'high' : 'neutral',
          },
          { label: T('openTotal'), value: toAct },
          { label: T('kevCount'), value: openKev.length, tone: openKev.length ? 'critical' : 'neutral' },
          { label: T('assetCount'), value: r.assets.length },
        ],
      },
      {
        kind: 'figures',
        only: 'pdf',
        items: SEVERITIES.map((s) => ({ label: sev(s), value: r.findingsBySeverity[s] ?? 0, tone: TONE[s] })),
      },
      {
        kind: 'fields',
        items: [
          [
            T('meanDaysToFix'),
            r.meanDaysToFix === null ? '—' : `${Math.round(r.meanDaysToFix * 10) / 10} ${T('days')}`,
          ],
        ],
      },
      {
        kind: 'table',
        table: {
          name: T('bySeverity').slice(0, 31),
          heading: T('bySeverity'),
          columns: [{ label: T('severityCol') }, { label: T('count'), numeric: true }],
          rows: SEVERITIES.map((s) => [sev(s), r.findingsBySeverity[s] ?? 0]),
        },
        only: 'xlsx',
      },
      {
        kind: 'table',
        table: {
          name: T('byStatus').slice(0, 31),
          heading: T('byStatus'),
          columns: [{ label: T('statusCol') }, { label: T('count'), numeric: true }],
          rows: Object.keys(labels.status).map((s) => [
            st(s),
            r.findingsByStatus[s as keyof typeof r.findingsByStatus] ?? 0,
          ]),
        },
      },
    ],
  });

  const findingBlocks = (f: AsmFinding): Block[] => {
    const fields: [string, string][] = [
      [T('target'), target(f)],
      [
        T('severityCol'),
        `${sev(f.severity)}${f.cvss ? `（CVSS ${f.cvss.toFixed(1)}）` : ''}${f.kev ? ` ・ ${T('kev')}` : ''}`,
      ],
      [T('statusCol'), st(f.status)],
      [T('check'), f.check],
    ];
    if (f.cves.length) fields.push([T('cves'), f.cves.join(', ')]);
    if (f.statusReason) fields.push([T('statusReason'), f.statusReason]);
    if (f.statusExpiry) fields.push([T('expiry'), jst(f.statusExpiry, loc)]);
    fields.push([T('firstSeen'), jst(f.firstSeen, loc)], [T('lastSeen'), jst(f.lastSeen, loc)]);
    const blocks: Block[] = [
      { kind: 'heading', text: `［${sev(f.severity)}］${f.title}`, only: 'pdf' },
      { kind: 'fields', items: fields, only: 'pdf' },
    ];
    if (f.evidence) {
      blocks.push({ kind: 'paragraph', text: T('evidence'), only: 'pdf' });
      blocks.push({ kind: 'excerpt', text: f.evidence.slice(0, 800), only: 'pdf' });
    }
    blocks.push({
      kind: 'paragraph',
      text: `${T('remediation')}：${f.remediation?.[loc] ?? T('noRemediation')}`,
      only: 'pdf',
    });
    return blocks;
  };

  // KEV first, then the rest worst first (the service orders openFindings worst first already).
  const kevIds = new Set(openKev.map((f) => f.id));
  const ordered = [...openKev, ...r.openFindings.filter((f) => !kevIds.has(f.id))];
  if (openKev.length) {
    sections.push({
      heading: T('kevSection'),
      blocks: [{ kind: 'paragraph', text: T('kevIntro'), only: 'pdf' }, ...openKev.flatMap(findingBlocks)],
    });
  }
  const rest = ordered.filter((f) => !kevIds.has(f.id));
  const detailed = rest.slice(0, Math.max(0, limit - openKev.length));
  const findingsBlocks: Block[] = [];
  if (ordered.length === 0) findingsBlocks.push({ kind: 'paragraph', text: T('noFindings') });
  findingsBlocks.push(...detailed.flatMap(findingBlocks));
  if (rest.length > detailed.length)
    findingsBlocks.push({
      kind: 'paragraph',
      text: T('more').replace('{n}', String(rest.length - detailed.length)),
      only: 'pdf',
    });
  findingsBlocks.push({ kind: 'table', table: findingsTable(ordered, T, sev, st, loc), only: 'xlsx' });
  sections.push({ heading: T('findingsSection'), blocks: findingsBlocks });

  if (r.fixedFindings.length)
    sections.push({
      heading: T('fixedSection'),
      blocks: [
        {
          kind: 'table',
          table: {
            name: T('fixedSection').slice(0, 31),
            heading: '',
            columns: [
              { label: T('severityCol') },
              { label: T('title'), weight: 2 },
              { label: T('target') },
              { label: T('fixedAt') },
            ],
            rows: r.fixedFindings.map((f) => [sev(f.severity), f.title, target(f), jst(f.fixedAt, loc)]),
          },
        },
      ],
    });
  if (r.acceptedRisks.length)
    sections.push({
      heading: T('acceptedSection'),
      blocks: [
        {
          kind: 'table',
          table: {
            name: T('acceptedSection').slice(0, 31),
            heading: '',
            columns: [
              { label: T('severityCol') },
              { label: T('title'), weight: 2 },
              { label: T('target') },
              { label: T('statusReason'), weight: 2 },
              { label: T('expiry') },
            ],
            rows: r.acceptedRisks.map((f) => [
              sev(f.severity),
              f.title,
              target(f),
              f.statusReason,
              jst(f.statusExpiry, loc),
            ]),
          },
        },
      ],
    });

  sections.push({
    heading: T('assetsSection'),
    pageBreak: true,
    blocks: [
      {
        kind: 'table',
        table: {
          name: T('assetsSheet'),
          heading: '',
          columns: [
            { label: T('host') },
            { label: T('addresses') },
            { label: T('services'), weight: 2 },
            { label: T('openFindings'), numeric: true },
            { label: T('lastSeen') },
          ],
          rows: r.assets.map((a) => [
            a.host,
            a.addresses.join(', '),
            a.services
              .map((s) =>
                `${s.port}/${s.transport} ${[s.product || s.service, s.version].filter(Boolean).join(' ')}`.trim(),
              )
              .join('\n'),
            a.openFindings,
            jst(a.lastSeen, loc),
          ]),
        },
      },
    ],
  });
  sections.push({
    heading: T('scopeSection'),
    blocks: [
      {
        kind: 'table',
        table: {
          name: T('scopeSheet'),
          heading: '',
          columns: [
            { label: T('rootKind') },
            { label: T('rootValue'), weight: 2 },
            { label: T('verification') },
          ],
          rows: r.scope.roots.map((x) => [x.kind, x.value, T(x.verificationState)]),
        },
      },
    ],
  });

  return { title: labels.title[loc], meta, sections, footnote: T('timeZone'), locale: loc };
}

function findingsTable(
  fs: AsmFinding[],
  T: (k: string) => string,
  sev: (s: Severity) => string,
  st: (s: string) => string,
  loc: 'ja' | 'en',
): DocTable {
  return {
    name: T('findingsSheet'),
    heading: T('findingsSection'),
    columns: [
      { label: T('severityCol') },
      { label: 'CVSS', numeric: false },
      { label: T('kev') },
      { label: T('title') },
      { label: T('host') },
      { label: T('port'), numeric: true },
      { label: T('statusCol') },
      { label: T('check') },
      { label: T('cves') },
      { label: T('firstSeen') },
      { label: T('lastSeen') },
      { label: T('evidence') },
      { label: T('remediation') },
    ],
    rows: fs.map((f) => [
      sev(f.severity),
      f.cvss ? f.cvss.toFixed(1) : null,
      f.kev ? T('yes') : null,
      f.title,
      f.host,
      f.port,
      st(f.status),
      f.check,
      f.cves.join(', ') || null,
      jst(f.firstSeen, loc),
      jst(f.lastSeen, loc),
      f.evidence.slice(0, 500),
      f.remediation?.[loc] ?? T('noRemediation'),
    ]),
  };
}
