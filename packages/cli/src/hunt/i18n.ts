// Japanese and English texts of `mamori hunt` (terminal summary and HTML report).
import type { Level } from '@mamori/sigma';

export type Lang = 'ja' | 'en';

/** --lang, else LC_ALL / LC_MESSAGES / LANG starting with "ja", else English. */
export function defaultLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const v = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return v.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

const texts = {
  en: {
    levels: {
      critical: 'critical',
      high: 'high',
      medium: 'medium',
      low: 'low',
      informational: 'informational',
    },
    title: 'Mamori hunt report',
    generated: 'Generated',
    summary: 'Summary',
    files: 'Files',
    events: 'Events',
    hits: 'Hits',
    rules: 'Rules loaded',
    period: 'Period of hits',
    byLevel: 'Hits by level',
    byRule: 'Hits by rule',
    byComputer: 'Hits by computer',
    timeline: 'Timeline (hits per hour)',
    topHits: 'Top hits (highest level first)',
    level: 'Level',
    rule: 'Rule',
    author: 'Author',
    count: 'Count',
    computer: 'Computer',
    time: 'Time',
    channel: 'Channel',
    eventId: 'Event ID',
    details: 'Matched fields',
    source: 'Source',
    issues: 'Damaged or unreadable parts skipped',
    license:
      'Detections by SigmaHQ rules (Detection Rule License 1.1, https://github.com/SigmaHQ/Detection-Rule-License); each rule’s author is shown with its hits.',
    none: 'No hits.',
    done: (files: number, events: number, hits: number, secs: number) =>
      `${files} files, ${events.toLocaleString('en-US')} events, ${hits.toLocaleString('en-US')} hits in ${secs.toFixed(1)} s`,
    compiled: (n: number, unsupported: number, errors: number) =>
      `${n} rules loaded (${unsupported} unsupported, ${errors} with errors)`,
    progress: 'events',
    noInput: 'no input files (EVTX, JSON, NDJSON/JSONL, optionally gzip) under the given paths',
  },
  ja: {
    levels: { critical: '重大', high: '高', medium: '中', low: '低', informational: '情報' },
    title: 'Mamori ハント結果レポート',
    generated: '作成日時',
    summary: '概要',
    files: 'ファイル数',
    events: 'イベント数',
    hits: '検知数',
    rules: '読み込んだルール数',
    period: '検知の期間',
    byLevel: 'レベル別の検知数',
    byRule: 'ルール別の検知数',
    byComputer: 'コンピューター別の検知数',
    timeline: 'タイムライン（1時間ごとの検知数）',
    topHits: '主な検知（レベルの高い順）',
    level: 'レベル',
    rule: 'ルール',
    author: '作成者',
    count: '件数',
    computer: 'コンピューター',
    time: '日時',
    channel: 'チャネル',
    eventId: 'イベントID',
    details: '一致したフィールド',
    source: '入力元',
    issues: '破損・読み取り不能のため飛ばした箇所',
    license:
      '検知には SigmaHQ のルール（Detection Rule License 1.1, https://github.com/SigmaHQ/Detection-Rule-License）を使用しています。各検知にルール作成者を表示しています。',
    none: '検知はありません。',
    done: (files: number, events: number, hits: number, secs: number) =>
      `${files} ファイル、${events.toLocaleString('ja-JP')} イベントを ${secs.toFixed(1)} 秒で調査し、${hits.toLocaleString('ja-JP')} 件を検知しました`,
    compiled: (n: number, unsupported: number, errors: number) =>
      `ルール ${n} 件を読み込みました（未対応 ${unsupported} 件、エラー ${errors} 件）`,
    progress: 'イベント',
    noInput: '指定したパスに入力ファイル（EVTX、JSON、NDJSON/JSONL、gzip 圧縮可）がありません',
  },
} as const;

export type Texts = (typeof texts)['en'] | (typeof texts)['ja'];
export const t = (lang: Lang): Texts => texts[lang];
export const levelLabel = (lang: Lang, l: Level): string => texts[lang].levels[l];
