// PDF and Excel output of the monthly report, through the platform's generic report renderer.
import { MamoriError } from '@mamori/core';
import { reportDocument } from './document.js';
import type { MonthlyReport } from './types.js';

export async function renderReportPdf(report: MonthlyReport): Promise<Buffer> {
  reportDocument(report);
  throw new MamoriError('MAMORI_INTERNAL', undefined, { reason: 'PDF renderer not wired yet' });
}

export async function renderReportXlsx(report: MonthlyReport): Promise<Buffer> {
  reportDocument(report);
  throw new MamoriError('MAMORI_INTERNAL', undefined, { reason: 'Excel renderer not wired yet' });
}
