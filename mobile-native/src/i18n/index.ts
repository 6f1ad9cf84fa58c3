import { createContext, useContext } from 'react';
import { en, type MessageKey } from './en';
import { ptBR } from './pt-BR';

export type Locale = 'en' | 'pt-BR';
export type { MessageKey };

const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, 'pt-BR': ptBR };

/** The app's language from the device's preferred languages: any Portuguese → pt-BR, else English. */
export function pickLocale(languageTags: readonly string[]): Locale {
  for (const tag of languageTags) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('pt')) return 'pt-BR';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Translate = (key: MessageKey | string, params?: Record<string, string | number>) => string;

export interface I18n {
  locale: Locale;
  t: Translate;
  /** Dates as the user reads them (`22 de nov. de 2026`). */
  formatDate(iso: string | null | undefined): string;
  formatNumber(n: number): string;
}

export function createI18n(locale: Locale): I18n {
  const dict = dictionaries[locale];
  const t: Translate = (key, params) => {
    const template = (dict as Record<string, string>)[key] ?? (en as Record<string, string>)[key] ?? key;
    return params ? template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`)) : template;
  };
  const dateFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
  const numberFormat = new Intl.NumberFormat(locale);
  return {
    locale,
    t,
    formatDate: (iso) => (iso ? dateFormat.format(new Date(iso)) : '—'),
    formatNumber: (n) => numberFormat.format(n),
  };
}

/** A message key from the form validators (`validation.*`) is translated; a server message is shown as sent. */
export function fieldMessage(t: Translate, message: string | undefined): string | undefined {
  if (!message) return undefined;
  return message.startsWith('validation.') ? t(message) : message;
}

export const I18nContext = createContext<I18n>(createI18n('en'));
export const useI18n = (): I18n => useContext(I18nContext);
