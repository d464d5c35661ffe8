// Test helpers: build a rule from a detection block and evaluate flat events against it.
import { SigmaEngine, type EngineOptions, type SigmaMatch } from '../src/index.js';

export function ruleText(detection: string, extra = ''): string {
  const indented = detection
    .trim()
    .split('\n')
    .map((l) => '  ' + l)
    .join('\n');
  return `title: Test rule
id: 00000000-0000-4000-8000-000000000001
author: Tester
level: high
tags: [attack.t1059]
logsource:
  product: testproduct
${extra}detection:
${indented}
`;
}

export function engineFor(detection: string, options: EngineOptions = {}): SigmaEngine {
  const e = new SigmaEngine([{ path: 'test.yml', text: ruleText(detection) }], options);
  const bad = e.diagnostics.filter((d) => d.status !== 'compiled');
  if (bad.length) throw new Error(`rule did not compile: ${bad.map((d) => d.reason).join('; ')}`);
  return e;
}

/** Does `detection` match `event`? (fresh engine per call; fine for unit tests). */
export function matches(
  detection: string,
  event: Record<string, unknown>,
  options: EngineOptions = {},
): boolean {
  return engineFor(detection, options).match(event).length > 0;
}

export function hits(detection: string, event: Record<string, unknown>): readonly SigmaMatch[] {
  return engineFor(detection).match(event);
}

export function diagnose(
  detection: string,
  options: EngineOptions = {},
): { status: string; reason?: string; line: number } {
  const e = new SigmaEngine([{ path: 'test.yml', text: ruleText(detection) }], options);
  const d = e.diagnostics[0]!;
  return { status: d.status, ...(d.reason !== undefined ? { reason: d.reason } : {}), line: d.line };
}
