// Message catalogues are data (ja.json, en.json); this module only looks keys up and fills {placeholders}.
import { createContext, useContext } from 'react';
import type { Locale } from '../api/types.js';
import ja from './ja.json';
import en from './en.json';

export type MessageKey = keyof typeof ja;
const catalogues: Record<Locale, Record<string, string>> = { ja, en };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const cat = catalogues[locale];
  return (key, vars) => {
    const text = cat[key] ?? catalogues.ja[key] ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}

export interface I18n {
  locale: Locale;
  t: Translate;
  setLocale: (l: Locale) => void;
  /** Formats an ISO timestamp in the user's locale and Japan time. */
  dateTime: (iso: string | null | undefined) => string;
}

export const I18nContext = createContext<I18n>({
  locale: 'ja',
  t: translator('ja'),
  setLocale: () => undefined,
  dateTime: (iso) => iso ?? '',
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export function formatDateTime(locale: Locale, iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Asia/Tokyo',
  }).format(d);
}

export const initialLocale = (): Locale => {
  try {
    const saved = localStorage.getItem('mamori.locale');
    if (saved === 'en' || saved === 'ja') return saved;
  } catch {
    // storage may be unavailable (private mode); Japanese is the default
  }
  return 'ja';
};
