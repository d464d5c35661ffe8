// SOC monthly statistics report: data, PDF and Excel.
export { SocReportServiceImpl } from './service.js';
export { reportDocument, type ReportDocument, type DocTable } from './document.js';
export { monthRange, previousMonth, lastCompleteMonth, isMonth } from './month.js';
export * from './types.js';
