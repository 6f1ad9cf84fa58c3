import { describe, expect, it } from 'vitest';
import { en } from './en';
import { createI18n, pickLocale } from './index';
import { ptBR } from './pt-BR';

describe('i18n', () => {
  it('picks pt-BR for any Portuguese device and English otherwise', () => {
    expect(pickLocale(['pt-PT', 'en-US'])).toBe('pt-BR');
    expect(pickLocale(['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLocale(['de-DE'])).toBe('en');
  });

  it('translates with parameters and has every English key in Portuguese', () => {
    expect(createI18n('pt-BR').t('poc.list.total', { count: 3 })).toBe('3 POCs');
    expect(createI18n('pt-BR').t('auth.login.submit')).toBe('Entrar');
    expect(Object.keys(ptBR).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(ptBR)) {
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(params(value), key).toEqual(params(en[key as keyof typeof en]));
    }
  });
});
