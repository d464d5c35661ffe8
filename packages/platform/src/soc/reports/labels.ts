// Labels and layout of the report (data/soc-report.json), Japanese and English.
import { readFileSync } from 'node:fs';

export type Label = { ja: string; en: string };
export interface ReportLabels {
  title: Label;
  sections: Record<string, Label>;
  figures: Record<string, Label & { section: string }>;
  text: Record<string, Label>;
  byOrganizationColumns: string[];
}

export const reportLabels = JSON.parse(
  readFileSync(new URL('../../../data/soc-report.json', import.meta.url), 'utf8'),
) as ReportLabels;
