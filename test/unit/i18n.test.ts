import { detectLang } from '../../src/cli/i18n/index.js';
import { catalogs, translator } from '../../src/cli/i18n/catalogs.js';

describe('message catalogs', () => {
  it('has every English key in Russian, non-empty, with the same placeholders', () => {
    for (const [key, text] of Object.entries(catalogs.en)) {
      const ru = catalogs.ru[key as keyof typeof catalogs.ru];
      expect([key, typeof ru, ru.length > 0]).toEqual([key, 'string', true]);
      const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect([key, holes(ru)]).toEqual([key, holes(text)]);
    }
    expect(Object.keys(catalogs.ru).sort()).toEqual(Object.keys(catalogs.en).sort());
  });

  it('fills placeholders', () => {
    expect(translator('ru')('err.forbidden', { detail: 'x' })).toBe('Нет прав: x');
    expect(translator('en')('err.forbidden', { detail: 'x' })).toBe('Not allowed: x');
  });
});

describe('detectLang', () => {
  it('prefers --lang, then VM_LANG, then LC_ALL/LANG, else English', () => {
    expect(detectLang(['--lang', 'ru'], { VM_LANG: 'en' })).toBe('ru');
    expect(detectLang(['--lang=en'], { VM_LANG: 'ru' })).toBe('en');
    expect(detectLang([], { VM_LANG: 'ru', LANG: 'en_US.UTF-8' })).toBe('ru');
    expect(detectLang([], { LANG: 'ru_RU.UTF-8' })).toBe('ru');
    expect(detectLang([], { LC_ALL: 'en_GB.UTF-8', LANG: 'ru_RU.UTF-8' })).toBe('en');
    expect(detectLang([], { LANG: 'C.UTF-8' })).toBe('en');
    expect(detectLang([], {})).toBe('en');
  });
});
