import { en } from './en.js';
import { ru } from './ru.js';
import { createTranslator, type Lang, type MessageKey, type Translate } from './index.js';

/** Both catalogs, for code that needs them synchronously (tests, completeness checks). */
export const catalogs: Record<Lang, Record<MessageKey, string>> = { en, ru };

/** The translate function of a language, synchronously. */
export function translator(lang: Lang): Translate {
  return createTranslator(catalogs[lang]);
}
