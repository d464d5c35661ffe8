// Excel rendering of a ReportDocument with exceljs: the first sheet holds the title, the meta lines and the
// sections' text and figures; every table gets its own sheet (bold frozen header, numbers stored as numbers,
// widths from content).
import ExcelJS from 'exceljs';
import { DASH, type Cell, type DocTable, type ReportDocument } from './model.js';

/** Display width in Excel character units: East Asian wide characters count two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s)
    w +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  return w;
}

function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'Sheet';
  let n = base;
  for (let i = 2; used.has(n.toLowerCase()); i++) n = `${base.slice(0, 31 - String(i).length - 1)}_${i}`;
  used.add(n.toLowerCase());
  return n;
}

function value(c: Cell, numeric: boolean | undefined): string | number {
  if (c === null || c === undefined || c === '') return DASH;
  if (numeric && typeof c === 'number') return c;
  return typeof c === 'number' ? c : c;
}

function tableSheet(wb: ExcelJS.Workbook, t: DocTable, used: Set<string>): void {
  const ws = wb.addWorksheet(sheetName(t.name, used));
  ws.addRow([t.heading]).font = { bold: true, size: 12 };
  const header = ws.addRow(t.columns.map((c) => c.label));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8F1FE' } };
    cell.border = { bottom: { style: 'thin' } };
  });
  for (const r of t.rows) {
    const row = ws.addRow(t.columns.map((c, i) => value(r[i] ?? null, c.numeric)));
    row.alignment = { vertical: 'top', wrapText: true };
  }
  ws.views = [{ state: 'frozen', ySplit: 2 }];
  t.columns.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    let w = displayWidth(c.label);
    for (const r of t.rows.slice(0, 500)) {
      const v = r[i];
      const s = typeof v === 'number' ? v.toLocaleString('en-US') : (v ?? DASH);
      w = Math.max(w, ...String(s).split('\n').map(displayWidth));
    }
    col.width = Math.min(Math.max(w + 2, 6), 80);
    if (c.numeric) {
      col.numFmt = '#,##0';
      col.alignment = { horizontal: 'right' };
    }
  });
}

export async function renderXlsx(doc: ReportDocument): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Mamori';
  wb.title = doc.title;
  const used = new Set<string>();
  const tables: DocTable[] = [];
  const summary = wb.addWorksheet(sheetName(doc.locale === 'ja' ? '概要' : 'Summary', used));
  summary.addRow([doc.title]).font = { bold: true, size: 14 };
  for (const [k, v] of doc.meta) summary.addRow([k, v]);
  let widest = 12;
  for (const s of doc.sections ?? []) {
    const pdfOnly = s.blocks.every((b) => b.only === 'pdf');
    if (!pdfOnly) {
      summary.addRow([]);
      summary.addRow([s.heading]).font = { bold: true, size: 12 };
    }
    for (const b of s.blocks) {
      if (b.only === 'pdf') continue;
      switch (b.kind) {
        case 'heading':
          summary.addRow([b.text]).font = { bold: true };
          break;
        case 'paragraph':
        case 'excerpt':
          summary.addRow([b.text]).alignment = { wrapText: false };
          break;
        case 'figures':
          for (const f of b.items) {
            summary.addRow([f.label, f.value]);
            widest = Math.max(widest, displayWidth(f.label));
          }
          break;
        case 'fields':
          for (const [k, v] of b.items) {
            summary.addRow([k, v]);
            widest = Math.max(widest, displayWidth(k));
          }
          break;
        case 'table':
          tables.push(b.table);
          break;
      }
    }
  }
  for (const [k] of doc.meta) widest = Math.max(widest, displayWidth(k));
  summary.getColumn(1).width = Math.min(widest + 2, 40);
  summary.getColumn(2).width = 40;
  if (doc.footnote) {
    summary.addRow([]);
    summary.addRow([doc.footnote]).font = { italic: true, size: 9 };
  }
  for (const t of [...tables, ...(doc.tables ?? [])]) tableSheet(wb, t, used);
  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}
