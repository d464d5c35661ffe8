// Generic report rendering: a neutral document (model.ts) to PDF (pdfkit, embedded Japanese font) and Excel.
import type { FontOptions, ReportDocument } from './model.js';

export * from './model.js';
export { fontPaths } from './fonts.js';
export { asmOrgReportDocument, type AsmReportOptions } from './asm-org.js';

// pdfkit and exceljs take about 0.8 s of CPU to load: loaded when the first report is rendered, not at start.
export async function renderPdf(doc: ReportDocument, fonts: FontOptions = {}): Promise<Buffer> {
  return (await import('./pdf.js')).renderPdf(doc, fonts);
}

export async function renderXlsx(doc: ReportDocument): Promise<Buffer> {
  return (await import('./xlsx.js')).renderXlsx(doc);
}
