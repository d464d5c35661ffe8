// The generic report renderer and the ASM per-organization report: real PDF (text read back with poppler's
// pdftotext) and real .xlsx (read back with exceljs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { AsmFinding, AsmOrgReport } from '@mamori/platform';
import {
  asmOrgReportDocument,
  fontPaths,
  renderPdf,
  renderXlsx,
  type ReportDocument,
} from '@mamori/platform/reports';

function pdfText(pdf: Buffer, layout = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-report-'));
  try {
    const f = join(dir, 'r.pdf');
    writeFileSync(f, pdf);
    return execFileSync('pdftotext', [...(layout ? ['-layout'] : []), '-enc', 'UTF-8', f, '-'], {
      encoding: 'utf8',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pdfInfo(pdf: Buffer): { info: string; fonts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-report-'));
  try {
    const f = join(dir, 'r.pdf');
    writeFileSync(f, pdf);
    return {
      info: execFileSync('pdfinfo', [f], { encoding: 'utf8' }),
      fonts: execFileSync('pdffonts', [f], { encoding: 'utf8' }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = {
  organizationId: 'org-1',
  organizationName: '検証市',
  prefectureCode: '13',
  transport: 'tcp' as const,
  detail: null,
  statusReason: null,
  statusExpiry: null,
  statusBy: null,
  statusAt: null,
  fixedAt: null,
  reopenedCount: 0,
  lastScanId: 'scan-1',
  firstSeen: '2026-11-01T01:00:00.000Z',
  lastSeen: '2026-11-20T01:00:00.000Z',
};

function finding(
  p: Partial<AsmFinding> & Pick<AsmFinding, 'id' | 'check' | 'host' | 'title' | 'severity'>,
): AsmFinding {
  return {
    ...base,
    key: p.id,
    port: 443,
    cvss: 5,
    kev: false,
    cves: [],
    evidence: '',
    remediation: null,
    status: 'open',
    ...p,
  };
}

const kev = finding({
  id: 'f-kev',
  check: 'vpn-appliance-kev',
  host: 'vpn.kensho.example.lg.jp',
  title: 'FortiOS SSL-VPN（既知の悪用あり）',
  severity: 'critical',
  cvss: 9.8,
  kev: true,
  cves: ['CVE-2024-21762'],
  evidence: 'Server: xxxxxxxx-xxxxx\nFortiOS 7.2.4',
  remediation: {
    ja: 'FortiOS を修正版 7.2.7 以降に更新してください。',
    en: 'Update FortiOS to 7.2.7 or later.',
  },
});
const git = finding({
  id: 'f-git',
  check: 'exposed-git',
  host: 'www.kensho.example.lg.jp',
  port: 80,
  title: '.git ディレクトリが公開されています',
  severity: 'high',
  cvss: 7.5,
  evidence: 'GET /.git/config → 200\n[core]\n\trepositoryformatversion = 0',
  remediation: {
    ja: 'Web サーバで .git への応答を拒否し、公開ディレクトリから削除してください。',
    en: 'Deny .git and remove it.',
  },
  status: 'acknowledged',
});
const hsts = finding({
  id: 'f-hsts',
  check: 'missing-hsts',
  host: 'www.kensho.example.lg.jp',
  title: 'HSTS ヘッダがありません',
  severity: 'low',
  cvss: 3.1,
  evidence: 'HTTP/1.1 200 OK',
  remediation: {
    ja: 'Strict-Transport-Security ヘッダを設定してください。',
    en: 'Send Strict-Transport-Security.',
  },
});
const accepted = finding({
  id: 'f-rdp',
  check: 'exposed-rdp',
  host: '203.0.113.10',
  port: 3389,
  title: 'RDP が公開されています',
  severity: 'high',
  status: 'accepted_risk',
  statusReason: '保守業者の接続用。VPN 移行まで',
  statusExpiry: '2027-03-31T00:00:00.000Z',
});
const fixed = finding({
  id: 'f-tls',
  check: 'tls-1.0',
  host: 'mail.kensho.example.lg.jp',
  title: 'TLS 1.0 が有効です',
  severity: 'medium',
  status: 'fixed',
  fixedAt: '2026-11-15T00:00:00.000Z',
});

const report: AsmOrgReport = {
  generatedAt: '2026-11-25T03:00:00.000Z',
  organization: { id: 'org-1', code: '139999', name: '検証市', prefectureName: '東京都' },
  scope: {
    organizationId: 'org-1',
    roots: [
      {
        id: 'r1',
        organizationId: 'org-1',
        kind: 'domain',
        value: 'kensho.example.lg.jp',
        verificationMethod: 'dns-txt',
        verificationState: 'verified',
        verificationToken: 't',
        challengeName: '_mamori-challenge.kensho.example.lg.jp',
        attestedBy: null,
        verifiedAt: '2026-10-01T00:00:00.000Z',
        lastCheckedAt: null,
        lastError: null,
        note: null,
        createdAt: '2026-10-01T00:00:00.000Z',
      },
    ],
    exclusions: [],
    settings: { organizationId: 'org-1', windows: [], ratePerSecond: 10, concurrency: 4, ports: 'top100' },
  },
  lastScan: null,
  riskScore: 72,
  findingsBySeverity: { critical: 1, high: 1, medium: 0, low: 1, informational: 0 },
  findingsByStatus: { open: 2, acknowledged: 1, fixed: 1, accepted_risk: 1, false_positive: 0 },
  kevFindings: [kev],
  openFindings: [git, hsts, kev],
  fixedFindings: [fixed],
  acceptedRisks: [accepted],
  assets: [
    {
      id: 'a1',
      organizationId: 'org-1',
      organizationName: '検証市',
      prefectureCode: '13',
      host: 'www.kensho.example.lg.jp',
      addresses: ['203.0.113.5'],
      names: [],
      services: [
        {
          port: 80,
          transport: 'tcp',
          service: 'http',
          product: 'nginx',
          version: '1.22.1',
          cpe: 'cpe:2.3:a:f5:nginx:1.22.1',
          tls: false,
          banner: null,
          firstSeen: base.firstSeen,
          lastSeen: base.lastSeen,
        },
      ],
      certificates: [],
      openFindings: 2,
      firstSeen: base.firstSeen,
      lastSeen: base.lastSeen,
      vanished: false,
    },
  ],
  meanDaysToFix: 14,
};

test('ASM report PDF: Japanese text, figures, KEV first, remediation, appendix; font embedded', async () => {
  const t0 = Date.now();
  const pdf = await renderPdf(asmOrgReportDocument(report));
  const ms = Date.now() - t0;
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(pdf).replace(/\f/g, '\n');
  const flat = text.replace(/\s+/g, '');
  for (const s of [
    '地方版ASM診断報告書',
    '検証市（139999）',
    '東京都',
    'リスクスコア',
    '72',
    '悪用が確認された脆弱性（KEV）',
    'FortiOS',
    'CVE-2024-21762',
    'vpn.kensho.example.lg.jp:443',
    '.gitディレクトリが公開されています',
    'www.kensho.example.lg.jp:80',
    '確認済み',
    'Webサーバで.gitへの応答を拒否し',
    'repositoryformatversion',
    'リスク受容中の検出事項',
    '保守業者の接続用',
    '2027/03/31',
    '期間内に修正された検出事項',
    'TLS1.0が有効です',
    '付録：公開資産一覧',
    'nginx1.22.1',
    '日時は日本時間（JST）',
    '14日',
  ])
    assert.ok(flat.includes(s), `PDF text lacks ${s}`);
  // KEV before the other findings, critical before low.
  assert.ok(flat.indexOf('FortiOSSSL-VPN') < flat.indexOf('.gitディレクトリ'));
  assert.ok(flat.indexOf('.gitディレクトリ') < flat.indexOf('HSTSヘッダがありません'));
  const { info, fonts } = pdfInfo(pdf);
  assert.match(info, /Title:\s+地方版ASM 診断報告書/);
  assert.match(info, /Page size:\s+595\.28 x 841\.89/);
  assert.match(fonts, /NotoSansJP/);
  assert.match(fonts, /yes\s+yes\s+(yes|no)\s+\d+/, 'font embedded as a subset');
  assert.ok(pdf.length < 2_000_000, `subset keeps the file small (${pdf.length} bytes)`);
  assert.ok(ms < 10_000, `rendered in ${ms} ms`);
});

test('ASM report in English when asked', async () => {
  const text = pdfText(await renderPdf(asmOrgReportDocument(report, { locale: 'en' }))).replace(/\s+/g, ' ');
  assert.match(text, /Attack surface diagnosis report/);
  assert.match(text, /Update FortiOS to 7\.2\.7 or later\./);
  assert.match(text, /Known exploited \(KEV\)/);
});

test('ASM report Excel: summary sheet, findings sheet with numbers as numbers, assets sheet', async () => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await renderXlsx(asmOrgReportDocument(report))) as unknown as ArrayBuffer);
  const names = wb.worksheets.map((w) => w.name);
  assert.deepEqual(names.slice(0, 1), ['概要']);
  for (const n of ['検出事項', '公開資産', '診断範囲', '状態別の件数'])
    assert.ok(names.includes(n), `sheet ${n}: ${names}`);
  const summary = wb.getWorksheet('概要')!;
  assert.equal(summary.getCell('A1').value, '地方版ASM 診断報告書');
  const rows = summary.getSheetValues().filter(Boolean) as unknown[][];
  const risk = rows.find((r) => r[1] === 'リスクスコア（0〜100）');
  assert.equal(risk?.[2], 72);
  const fs = wb.getWorksheet('検出事項')!;
  assert.equal(fs.getCell('A2').value, '重大度');
  assert.equal(fs.getRow(2).font?.bold, true);
  assert.equal(fs.views[0]?.state, 'frozen');
  // KEV first.
  assert.equal(fs.getCell('D3').value, 'FortiOS SSL-VPN（既知の悪用あり）');
  assert.equal(fs.getCell('C3').value, '該当');
  assert.equal(fs.getCell('F4').value, 80);
  assert.equal(typeof fs.getCell('F4').value, 'number');
  assert.match(String(fs.getCell('M4').value), /\.git への応答を拒否/);
  const assets = wb.getWorksheet('公開資産')!;
  assert.equal(assets.getCell('A3').value, 'www.kensho.example.lg.jp');
  assert.match(String(assets.getCell('C3').value), /80\/tcp nginx 1\.22\.1/);
  assert.equal(assets.getCell('D3').value, 2);
});

test('generic renderer: a 120-row table breaks across pages with its header repeated; Excel sheet names legal', async () => {
  const doc: ReportDocument = {
    title: 'セキュリティクラウド 月次統計報告',
    meta: [['対象期間', '2026年10月']],
    tables: [
      {
        name: '団体別/内訳:長い名前の表はExcelのシート名の上限を超える',
        heading: '団体別内訳',
        columns: [
          { label: '団体' },
          { label: 'コード' },
          ...Array.from({ length: 8 }, (_, i) => ({ label: `指標${i + 1}`, numeric: true })),
        ],
        rows: Array.from({ length: 120 }, (_, i) => [
          `団体${i + 1}`,
          String(10000 + i),
          ...Array.from({ length: 8 }, (_, j) => (i + 1) * 1000 + j),
        ]),
      },
      {
        name: '空',
        heading: '空の表',
        columns: [{ label: '項目' }, { label: '件数', numeric: true }],
        rows: [[null, null]],
      },
    ],
    footnote: '日時は日本時間（JST）',
    locale: 'ja',
  };
  const pdf = await renderPdf(doc);
  const pages = pdfText(pdf, true)
    .split('\f')
    .filter((p) => p.trim());
  assert.ok(pages.length >= 3, `pages: ${pages.length}`);
  for (const p of pages.slice(0, -1))
    assert.match(p, /団体\s+コード\s+指標1/, 'header row on every page of the table');
  assert.match(pages[0]!, /1 ?\/ ?4/);
  assert.match(pdfText(pdf), /120,007/);
  assert.match(pdfText(pdf), /—/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await renderXlsx(doc)) as unknown as ArrayBuffer);
  const ws = wb.worksheets[1]!;
  assert.ok(ws.name.length <= 31 && !/[/:]/.test(ws.name), ws.name);
  assert.equal(ws.getCell('J122').value, 120007);
  assert.equal(wb.worksheets[2]!.getCell('A3').value, '—');
});

test('a configured font path is used; an unreadable one is a configuration error', async () => {
  const p = fontPaths();
  assert.match(p.regular, /NotoSansJP_400Regular\.ttf$/);
  assert.equal(fontPaths({ fontPath: p.bold }).bold, p.bold);
  await assert.rejects(
    renderPdf({ title: 't', meta: [], locale: 'ja' }, { fontPath: '/nonexistent/font.ttf' }),
    (e: Error & { code?: string }) => e.code === 'MAMORI_CONFIG_INVALID',
  );
});
