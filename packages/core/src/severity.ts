// Alert and finding severities, lowest first. The names follow OCSF and Sigma's levels.
export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (severities as readonly string[]).includes(value);
}

/** 0 (informational) … 4 (critical), for sorting and thresholds. */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

export function atLeast(severity: Severity, minimum: Severity): boolean {
  return severityRank(severity) >= severityRank(minimum);
}

export const severityLabels: Record<Severity, { ja: string; en: string }> = {
  informational: { ja: '情報', en: 'Informational' },
  low: { ja: '低', en: 'Low' },
  medium: { ja: '中', en: 'Medium' },
  high: { ja: '高', en: 'High' },
  critical: { ja: '緊急', en: 'Critical' },
};
