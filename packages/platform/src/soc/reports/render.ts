// PDF and Excel output of the monthly report, through the platform's generic report renderer (src/reports):
// the report becomes a neutral document, the renderer lays it out (PDF with the Japanese font embedded).
import { renderPdf, renderXlsx } from '../../reports/index.js';
import { reportDocument } from './document.js';
import type { MonthlyReport } from './types.js';

export async function renderReportPdf(report: MonthlyReport): Promise<Buffer> {
  return renderPdf(reportDocument(report));
}

export async function renderReportXlsx(report: MonthlyReport): Promise<Buffer> {
  return renderXlsx(reportDocument(report));
}
