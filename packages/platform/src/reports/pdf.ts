// PDF rendering of a ReportDocument with pdfkit: A4 portrait, the Japanese font embedded as a subset, tables
// that repeat their header row across pages, numeric columns right-aligned, footnote and page numbers.
import PDFDocument from 'pdfkit';
import { reportFonts } from './fonts.js';
import { formatCell, type Block, type DocTable, type FontOptions, type ReportDocument } from './model.js';

const MARGIN = 48;
const BODY = 9.5;
const SMALL = 8;
const TONES: Record<string, string> = {
  critical: '#c2000f',
  high: '#e25100',
  medium: '#a06000',
  low: '#0055ad',
  info: '#555555',
  neutral: '#1a1a1a',
};
const INK = '#1a1a1a';
const RULE = '#b4b4b4';
const HEAD_FILL = '#e8f1fe';

type Doc = PDFKit.PDFDocument;

export async function renderPdf(doc: ReportDocument, fonts: FontOptions = {}): Promise<Buffer> {
  const f = reportFonts(fonts);
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 14, left: MARGIN, right: MARGIN },
    bufferPages: true,
    lang: doc.locale === 'ja' ? 'ja-JP' : 'en-GB',
    displayTitle: true,
    info: { Title: doc.title, Creator: 'Mamori', Producer: 'Mamori (pdfkit)' },
  });
  pdf.registerFont('body', f.regular);
  pdf.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const width = pdf.page.width - MARGIN * 2;
  pdf.font('bold').fontSize(17).fillColor(INK).text(doc.title, { width });
  pdf.moveDown(0.4);
  for (const [k, v] of doc.meta) pdf.font('body').fontSize(BODY).text(`${k}：${v}`, { width });
  pdf.moveDown(0.6);
  rule(pdf);

  for (const s of doc.sections ?? []) {
    if (s.pageBreak) pdf.addPage();
    heading(pdf, s.heading, 13);
    for (const b of s.blocks) if (b.only !== 'xlsx') block(pdf, b, doc.locale);
  }
  for (const t of doc.tables ?? []) {
    heading(pdf, t.heading, 12);
    table(pdf, t, doc.locale);
  }

  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const y = pdf.page.height - MARGIN;
    pdf.font('body').fontSize(SMALL).fillColor('#555555');
    if (doc.footnote) pdf.text(doc.footnote, MARGIN, y, { width: width - 60, lineBreak: false });
    pdf.text(`${i + 1} / ${range.count}`, MARGIN + width - 60, y, {
      width: 60,
      align: 'right',
      lineBreak: false,
    });
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  return done;
}

function bottomLimit(pdf: Doc): number {
  return pdf.page.height - pdf.page.margins.bottom;
}

function ensure(pdf: Doc, height: number): void {
  if (pdf.y + height > bottomLimit(pdf)) pdf.addPage();
}

function rule(pdf: Doc): void {
  const w = pdf.page.width - MARGIN * 2;
  pdf
    .moveTo(MARGIN, pdf.y)
    .lineTo(MARGIN + w, pdf.y)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  pdf.moveDown(0.5);
}

function heading(pdf: Doc, text: string, size: number): void {
  ensure(pdf, size * 4);
  pdf.moveDown(0.5);
  pdf.x = MARGIN;
  pdf
    .font('bold')
    .fontSize(size)
    .fillColor(INK)
    .text(text, { width: pdf.page.width - MARGIN * 2 });
  pdf.moveDown(0.3);
}

function block(pdf: Doc, b: Block, locale: 'ja' | 'en'): void {
  const width = pdf.page.width - MARGIN * 2;
  pdf.x = MARGIN;
  switch (b.kind) {
    case 'heading':
      heading(pdf, b.text, 11);
      return;
    case 'paragraph':
      pdf.font('body').fontSize(BODY).fillColor(INK).text(b.text, { width, lineGap: 2 });
      pdf.moveDown(0.4);
      return;
    case 'excerpt': {
      // Tabs and control characters have no glyph: spaces and a middle dot keep the excerpt readable.
      const clean = b.text.replace(/\t/g, '    ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '·');
      const text = clean.length > 1200 ? `${clean.slice(0, 1200)}…` : clean;
      pdf.font('body').fontSize(SMALL);
      const h = pdf.heightOfString(text, { width: width - 12 }) + 8;
      ensure(pdf, Math.min(h, 200));
      const y0 = pdf.y;
      if (y0 + h <= bottomLimit(pdf)) pdf.rect(MARGIN, y0, width, h).fill('#f2f2f2');
      pdf.fillColor('#333333').text(text, MARGIN + 6, y0 + 4, { width: width - 12 });
      pdf.x = MARGIN;
      pdf.moveDown(0.6);
      return;
    }
    case 'fields': {
      const labelW = 110;
      for (const [k, v] of b.items) {
        pdf.font('body').fontSize(BODY);
        const h = Math.max(pdf.heightOfString(v || '—', { width: width - labelW }), BODY * 1.3);
        ensure(pdf, h);
        const y = pdf.y;
        pdf
          .font('bold')
          .fillColor('#555555')
          .text(k, MARGIN, y, { width: labelW - 8 });
        pdf
          .font('body')
          .fillColor(INK)
          .text(v || '—', MARGIN + labelW, y, { width: width - labelW });
        pdf.y = Math.max(pdf.y, y + h);
      }
      pdf.x = MARGIN;
      pdf.moveDown(0.4);
      return;
    }
    case 'figures': {
      const per = b.items.length <= 5 ? b.items.length || 1 : 4;
      const gap = 8;
      const boxW = (width - gap * (per - 1)) / per;
      const boxH = 46;
      for (let i = 0; i < b.items.length; i += per) {
        ensure(pdf, boxH + 6);
        const y = pdf.y;
        b.items.slice(i, i + per).forEach((it, j) => {
          const x = MARGIN + j * (boxW + gap);
          pdf.rect(x, y, boxW, boxH).lineWidth(0.5).strokeColor(RULE).stroke();
          // A label wider than its box gets a smaller size rather than a second line over the value.
          pdf.font('body').fontSize(SMALL);
          const fit = Math.max(
            6,
            Math.min(SMALL, (SMALL * (boxW - 12)) / Math.max(1, pdf.widthOfString(it.label))),
          );
          pdf
            .fontSize(fit)
            .fillColor('#555555')
            .text(it.label, x + 6, y + 5, {
              width: boxW - 12,
              lineBreak: false,
              ellipsis: true,
            });
          const value = typeof it.value === 'number' ? formatCell(it.value, true, locale) : it.value;
          pdf
            .font('bold')
            .fontSize(16)
            .fillColor(TONES[it.tone ?? 'neutral'] ?? INK)
            .text(value, x + 6, y + 19, {
              width: boxW - 12,
              lineBreak: false,
            });
        });
        pdf.y = y + boxH + 6;
      }
      pdf.x = MARGIN;
      pdf.fillColor(INK);
      pdf.moveDown(0.3);
      return;
    }
    case 'table':
      if (b.table.heading) heading(pdf, b.table.heading, 11);
      table(pdf, b.table, locale);
      return;
  }
}

/** Column widths: each column's natural width (header and cells, capped), scaled to the page. */
function columnWidths(pdf: Doc, t: DocTable, cells: string[][], width: number): number[] {
  pdf.fontSize(SMALL);
  const natural = t.columns.map((c, i) => {
    let w = pdf.font('bold').widthOfString(c.label);
    pdf.font('body');
    for (const r of cells.slice(0, 200)) w = Math.max(w, pdf.widthOfString(r[i] ?? ''));
    return Math.min(w + 10, 220) * (c.weight ?? 1);
  });
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= width) return natural.map((w) => (w * width) / total);
  // Too wide: short columns keep their width, long ones share what is left.
  const fair = width / t.columns.length;
  const small = natural.filter((w) => w <= fair).reduce((a, b) => a + b, 0);
  const bigTotal = natural.filter((w) => w > fair).reduce((a, b) => a + b, 0);
  return natural.map((w) => (w <= fair ? w : ((width - small) * w) / bigTotal));
}

function table(pdf: Doc, t: DocTable, locale: 'ja' | 'en'): void {
  const width = pdf.page.width - MARGIN * 2;
  const cells = t.rows.map((r) => t.columns.map((c, i) => formatCell(r[i] ?? null, c.numeric, locale)));
  const widths = columnWidths(pdf, t, cells, width);
  const pad = 3;
  const rowHeight = (row: string[], font: 'body' | 'bold') => {
    pdf.font(font).fontSize(SMALL);
    return Math.max(...row.map((s, i) => pdf.heightOfString(s, { width: widths[i]! - pad * 2 }))) + pad * 2;
  };
  const drawRow = (row: string[], font: 'body' | 'bold', fill: string | null) => {
    const h = rowHeight(row, font);
    const y = pdf.y;
    let x = MARGIN;
    if (fill) pdf.rect(MARGIN, y, width, h).fill(fill);
    pdf.font(font).fontSize(SMALL).fillColor(INK);
    row.forEach((s, i) => {
      const w = widths[i]!;
      pdf.text(s, x + pad, y + pad, { width: w - pad * 2, align: t.columns[i]?.numeric ? 'right' : 'left' });
      x += w;
    });
    pdf
      .moveTo(MARGIN, y + h)
      .lineTo(MARGIN + width, y + h)
      .lineWidth(0.4)
      .strokeColor(RULE)
      .stroke();
    pdf.x = MARGIN;
    pdf.y = y + h;
  };
  const header = t.columns.map((c) => c.label);
  const headerH = rowHeight(header, 'bold');
  ensure(pdf, headerH + 20);
  drawRow(header, 'bold', HEAD_FILL);
  for (const r of cells) {
    const h = rowHeight(r, 'body');
    if (pdf.y + h > bottomLimit(pdf)) {
      pdf.addPage();
      drawRow(header, 'bold', HEAD_FILL);
    }
    drawRow(r, 'body', null);
  }
  pdf.moveDown(0.6);
}
