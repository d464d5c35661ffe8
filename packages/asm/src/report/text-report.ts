// The human-readable report, Japanese first: what was found, how serious, and what to do, in that order.
import { severityLabels } from '@mamori/core';
import type { ScanReport } from '../scan/types.js';
import type { Lang } from '../checks/evaluate.js';
import { loadChecks, type CheckDef } from '../checks/catalog.js';

let catalog: Map<string, CheckDef> | null = null;

const T = {
  ja: {
    heading: 'Mamori 攻撃対象領域（ASM）診断レポート',
    when: '診断日時',
    targets: '診断対象',
    ports: '調査ポート',
    refused: '範囲外のため診断しなかった対象',
    risk: 'リスクスコア（0〜100、高いほど危険）',
    findings: '対応が必要な指摘（重要度の高い順）',
    urgent: (n: number) =>
      `緊急・高の指摘が ${n} 件あります。上から順に、今日中に担当者・保守業者へ対応を依頼してください。`,
    none: '指摘はありませんでした。',
    target: '対象',
    evidence: '根拠',
    action: '対処',
    services: '公開されているサービス',
    cols: ['ホスト', 'ポート', 'サービス', '製品', 'バージョン', '暗号化'],
    dns: 'DNS',
    zone: 'ゾーン',
    axfr: 'ゾーン転送',
    allowed: '許可（問題）',
    denied: '拒否',
    names: '見つかった名前',
    compare: '前回の診断との比較',
    cmpLine: (p: string, n: number, r: number, o: number) =>
      `前回 ${p} と比べて: 新規 ${n} 件・解消（修正を確認） ${r} 件・再発 ${o} 件`,
    fixed: '修正を確認した指摘',
    assetsLine: (a: number, c: number, v: number) =>
      `資産: 新たに見つかった ${a} 件・変化した ${c} 件・見えなくなった ${v} 件`,
    note: '※ 指摘は外部から観測できた事実に基づきます。修正後に再診断すると「修正済み」になります。',
    ports_n: (n: number) => `${n} ポート`,
    none_open: '外部から接続できるサービスはありませんでした。',
  },
  en: {
    heading: 'Mamori attack-surface (ASM) assessment report',
    when: 'Scanned',
    targets: 'Targets',
    ports: 'Ports probed',
    refused: 'Not scanned (outside the scope)',
    risk: 'Risk score (0–100, higher is worse)',
    findings: 'Findings to act on (most serious first)',
    urgent: (n: number) =>
      `${n} critical or high findings: work down the list and assign each to its owner or vendor today.`,
    none: 'No findings.',
    target: 'Where',
    evidence: 'Evidence',
    action: 'What to do',
    services: 'Services reachable from the internet',
    cols: ['Host', 'Port', 'Service', 'Product', 'Version', 'TLS'],
    dns: 'DNS',
    zone: 'Zone',
    axfr: 'Zone transfer',
    allowed: 'ALLOWED (problem)',
    denied: 'refused',
    names: 'Names found',
    compare: 'Compared with the previous scan',
    cmpLine: (p: string, n: number, r: number, o: number) =>
      `Since ${p}: ${n} new, ${r} resolved (fix confirmed), ${o} reopened`,
    fixed: 'Fixes confirmed',
    assetsLine: (a: number, c: number, v: number) => `Assets: ${a} new, ${c} changed, ${v} vanished`,
    note: 'Findings are facts observed from outside. After a fix, a rescan marks them fixed.',
    ports_n: (n: number) => `${n} ports`,
    none_open: 'No service was reachable.',
  },
} as const;

const REASONS_JA: Array<[RegExp, string]> = [
  [/^name resolves outside the verified scope: (.*)$/, '名前の解決先（$1）が診断範囲の外です'],
  [/^address not in any verified scope$/, '診断範囲（所有確認済み）に含まれないアドレスです'],
  [/^name not in any verified scope$/, '診断範囲（所有確認済み）に含まれない名前です'],
  [/^name does not resolve$/, '名前を解決できません'],
  [/^(?:address|name) excluded by (.*)$/, '$1 の除外設定の対象です'],
  [/^(?:address|name) belongs to a root of (.*) not yet verified$/, '$1 の所有確認が済んでいない範囲です'],
  [/^outside the scan window$/, '診断可能な時間帯の外です'],
  [/^stopped: (.*)$/, '全体停止中のため診断しません（$1）'],
  [/^not a valid host name or address$/, 'ホスト名・アドレスとして正しくありません'],
];

function reasonText(reason: string, lang: Lang): string {
  if (lang !== 'ja') return reason;
  for (const [re, ja] of REASONS_JA) if (re.test(reason)) return reason.replace(re, ja);
  return reason;
}

function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows
    .map((r) =>
      r
        .map((c, i) => c + ' '.repeat(widths[i]! - width(c)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderTextReport(r: ScanReport, lang: Lang = 'ja'): string {
  const t = T[lang];
  const out: string[] = [];
  out.push(t.heading, '='.repeat(40));
  out.push(`${t.when}: ${r.startedAt}`);
  out.push(`${t.targets}: ${r.targets.join(', ')}`);
  out.push(`${t.ports}: ${r.ports.spec} (${t.ports_n(r.ports.count)})`);
  if (r.refused.length > 0) {
    out.push(`${t.refused}:`);
    for (const x of r.refused)
      out.push(`  - ${x.target}${x.port ? `:${x.port}` : ''} — ${reasonText(x.reason, lang)}`);
  }
  const counts = Object.entries(r.risk.counts)
    .reverse()
    .map(([s, n]) => `${severityLabels[s as keyof typeof severityLabels][lang]} ${n}`)
    .join(' / ');
  out.push(`${t.risk}: ${r.risk.score}  (${counts})`, '');
  if (r.comparison) {
    const c = r.comparison;
    out.push(
      `■ ${t.compare}`,
      t.cmpLine(c.previousAt, c.findings.new, c.findings.resolved, c.findings.reopened),
    );
    for (const f of c.resolved)
      out.push(`  ✓ ${t.fixed}: ${f.title} — ${f.host}${f.port ? `:${f.port}` : ''}`);
    out.push(t.assetsLine(c.assets.added.length, c.assets.changed.length, c.assets.vanished.length));
    for (const a of c.assets.added) out.push(`  + ${a.key} ${a.fingerprint}`);
    for (const ch of c.assets.changed)
      out.push(`  ~ ${ch.after.key} ${ch.before.fingerprint} → ${ch.after.fingerprint}`);
    for (const v of c.assets.vanished) out.push(`  - ${v.key} ${v.fingerprint}`);
    out.push('');
  }
  out.push(`■ ${t.findings}`);
  const urgent = r.findings.filter(
    (f) =>
      (f.severity === 'critical' || f.severity === 'high') &&
      f.status !== 'fixed' &&
      f.status !== 'false_positive',
  ).length;
  if (urgent > 0) out.push(t.urgent(urgent));
  if (!r.findings.some((f) => f.status !== 'fixed' && f.status !== 'false_positive')) out.push(`  ${t.none}`);
  catalog ??= loadChecks();
  r.findings
    .filter((f) => f.status !== 'fixed' && f.status !== 'false_positive')
    .forEach((f, i) => {
      const title = catalog!.get(f.check)?.title[lang] ?? f.title;
      const where = `${f.host}${f.port ? `:${f.port}/${f.transport ?? 'tcp'}` : ''}${f.detail && !f.detail.includes(f.host) ? ` (${f.detail})` : ''}`;
      out.push(`${i + 1}. [${severityLabels[f.severity][lang]}] ${title}${f.kev ? ' [KEV]' : ''}`);
      out.push(`   ${t.target}: ${where}`);
      out.push(`   ${t.evidence}: ${f.evidence}`);
      if (f.remediation) out.push(`   ${t.action}: ${f.remediation[lang]}`);
    });
  out.push('', `■ ${t.services}`);
  if (r.services.length === 0) out.push(`  ${t.none_open}`);
  else
    out.push(
      table([
        [...t.cols],
        ...r.services.map((s) => [
          s.host,
          `${s.port}/${s.transport}`,
          s.service,
          s.product,
          s.version,
          s.tlsInfo ? `${s.starttls ? 'STARTTLS ' : ''}${s.tlsInfo.versions.join(',')}` : s.tls ? 'TLS' : '-',
        ]),
      ]),
    );
  if (r.domains.some((d) => d.zone)) {
    out.push('', `■ ${t.dns}`);
    for (const d of r.domains.filter((x) => x.zone)) {
      out.push(`${t.zone}: ${d.zone}`);
      for (const rec of d.records) out.push(`  ${rec.name} ${rec.type} ${rec.data}`);
      for (const a of d.axfr)
        out.push(
          `  ${t.axfr} ${a.server}${a.address ? ` (${a.address})` : ''}: ${a.allowed ? `${t.allowed}, ${a.records.length}` : `${t.denied}${a.reason ? ` — ${a.reason}` : ''}`}`,
        );
      if (d.discoveredNames.length > 0) out.push(`  ${t.names}: ${d.discoveredNames.join(', ')}`);
    }
  }
  out.push('', t.note);
  return `${out.join('\n')}\n`;
}
