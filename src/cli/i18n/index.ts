import { escapeControlChars } from '../../domain/safe-text.js';
import type { MessageKey } from './en.js';

export type Lang = 'en' | 'ru';
export type { MessageKey };
/** Looks a message up and fills `{name}` placeholders. */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** `--lang`, then VM_LANG, then LC_ALL / LC_MESSAGES / LANG; English otherwise. */
export function detectLang(argv: string[], env: NodeJS.ProcessEnv): Lang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const flag = i < 0 ? undefined : argv[i]?.includes('=') ? argv[i]?.split('=')[1] : argv[i + 1];
  for (const candidate of [flag, env.VM_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG]) {
    if (!candidate) continue;
    const code = candidate.toLowerCase().slice(0, 2);
    if (code === 'ru') return 'ru';
    if (code === 'en' || candidate === 'C' || candidate === 'POSIX') return 'en';
  }
  return 'en';
}

/**
 * The translate function over one catalog. A parameter is one value (a name, a file, the server's
 * words), never layout: its control characters are escaped (`\n`, `\u001b`), so a name holding a line
 * break or an ESC sequence cannot forge or repaint lines of a message.
 */
export function createTranslator(catalog: Record<MessageKey, string>): Translate {
  return (key, params) => {
    const text = catalog[key] ?? key;
    return params
      ? text.replace(/\{(\w+)\}/g, (m, name: string) => escapeControlChars(String(params[name] ?? m)))
      : text;
  };
}

/** Loads only the catalog of `lang` (each is complete: the type checker holds ru to en's keys). */
export async function loadTranslator(lang: Lang): Promise<Translate> {
  return createTranslator(lang === 'ru' ? (await import('./ru.js')).ru : (await import('./en.js')).en);
}
