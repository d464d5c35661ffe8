// Generic report rendering: a neutral document (model.ts) to PDF (pdfkit, embedded Japanese font) and Excel.
export * from './model.js';
export { renderPdf } from './pdf.js';
export { renderXlsx } from './xlsx.js';
export { fontPaths } from './fonts.js';
export { asmOrgReportDocument, type AsmReportOptions } from './asm-org.js';
