// The neutral report document: what a report says, in order, without knowing how PDF or Excel lay it out.
// The ASM per-organization report and the SOC monthly report both build one and hand it to render.ts.

export type Cell = string | number | null;

export interface DocColumn {
  label: string;
  /** Right-aligned, thousands separators; stored as a number in Excel. */
  numeric?: boolean;
  /** Relative width hint for the PDF (default from content). */
  weight?: number;
}

export interface DocTable {
  /** Excel sheet name (≤ 31 characters; made unique and legal by the renderer). */
  name: string;
  heading: string;
  columns: DocColumn[];
  /** null → "—". */
  rows: Cell[][];
}

export type FigureTone = 'critical' | 'high' | 'medium' | 'low' | 'info' | 'neutral';

export interface KeyFigure {
  label: string;
  value: string | number;
  tone?: FigureTone;
}

export type Block =
  | { kind: 'paragraph'; text: string; only?: 'pdf' | 'xlsx' }
  | { kind: 'heading'; text: string; only?: 'pdf' | 'xlsx' }
  | { kind: 'figures'; items: KeyFigure[]; only?: 'pdf' | 'xlsx' }
  /** Label → value lines (a finding's host, status, dates …). */
  | { kind: 'fields'; items: [string, string][]; only?: 'pdf' | 'xlsx' }
  /** Preformatted text (evidence excerpts): monospaced feel, kept line by line. */
  | { kind: 'excerpt'; text: string; only?: 'pdf' | 'xlsx' }
  | { kind: 'table'; table: DocTable; only?: 'pdf' | 'xlsx' };

export interface DocSection {
  heading: string;
  blocks: Block[];
  /** PDF: start the section on a new page. */
  pageBreak?: boolean;
}

export interface ReportDocument {
  title: string;
  /** Label → value lines under the title (organization, period, generated at). */
  meta: [string, string][];
  sections?: DocSection[];
  /** Tables after the sections (the SOC monthly report uses only these). */
  tables?: DocTable[];
  footnote?: string;
  locale: 'ja' | 'en';
}

export interface FontOptions {
  /** TTF/OTF with Japanese glyphs; default Noto Sans JP Regular (npm package). */
  fontPath?: string | null;
  boldFontPath?: string | null;
}

export const DASH = '—';

export function formatCell(c: Cell, numeric: boolean | undefined, locale: 'ja' | 'en'): string {
  if (c === null || c === undefined || c === '') return DASH;
  if (typeof c === 'number' && numeric) return c.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
  return String(c);
}
