/**
 * How one value becomes the text of one cell: plainly for machines (tsv/csv) and readably for
 * people (the table). JSON output never comes through here: it keeps the raw API values.
 */
import { formatMoney, formatMoneyPlain } from '../../domain/money.js';
import { escapeControlChars, escapeControlCharsKeepingLines } from '../../domain/safe-text.js';
import type { ColumnKind, Lang } from './format.js';

/**
 * Cell text for tsv/csv: money as `1234.50` (`1234,50` for Russian Excel, which reads a dot as text or a
 * date), lists joined with `,`, `true`/`false`, null as empty.
 */
export function machineCell(value: unknown, kind: ColumnKind, excel = false): string {
  if (value === null || value === undefined) return '';
  if (kind === 'money' && typeof value === 'number') {
    const plain = formatMoneyPlain(value);
    return excel ? plain.replace('.', ',') : plain;
  }
  if (Array.isArray(value)) return value.map((v) => machineCell(v, 'text')).join(',');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const YES_NO: Record<Lang, [string, string]> = { en: ['yes', 'no'], ru: ['да', 'нет'] };

/** What the table shows for a missing value. */
export const EMPTY_CELL = '—';

/**
 * Cell text for the TTY table: localized money, `YYYY-MM-DD HH:MM` (UTC), yes/no, `, ` lists, `—` for
 * null; one line, with control characters shown as escapes (`\n`, `\u001b`).
 */
export function tableCell(value: unknown, kind: ColumnKind, lang: Lang): string {
  return escapeControlChars(humanText(value, kind, lang));
}

function humanText(value: unknown, kind: ColumnKind, lang: Lang): string {
  if (value === null || value === undefined) return EMPTY_CELL;
  if (kind === 'money' && typeof value === 'number') return formatMoney(value, lang);
  if (kind === 'time') return formatTime(value);
  if (Array.isArray(value)) {
    return value.length === 0 ? EMPTY_CELL : value.map((v) => humanText(v, 'text', lang)).join(', ');
  }
  if (typeof value === 'boolean') return YES_NO[lang][value ? 0 : 1];
  if (value instanceof Date) return formatTime(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `2024-05-01T09:30:00Z` → `2024-05-01 09:30` (UTC); a date alone or unreadable text is shown as is. */
export function formatTime(value: unknown): string {
  if (typeof value === 'string' && DATE_ONLY.test(value)) return value;
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date))
    return String(value);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * A text people wrote over several lines (an appeal's letter) for a terminal: every line indented by
 * two spaces, so no line of it can pass for one the CLI prints itself (a forged `[time] operator:`),
 * and control characters escaped. A CRLF line end is a line break, a lone CR is shown as `\r`.
 */
export function indentedText(text: string): string {
  return escapeControlCharsKeepingLines(text.replace(/\r\n/g, '\n'))
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/**
 * Escapes a tsv value so that it stays one field of one line and inert on a terminal (piped listings
 * are often read there): backslash as `\\`, tab, CR, LF as `\t` `\r` `\n`, any other control or bidi
 * character as `\u001b`. Reversible: a reader unescapes `\\`, `\t`, `\r`, `\n` and `\uXXXX`.
 */
export function escapeTsv(text: string): string {
  return escapeControlChars(text.replace(/\\/g, '\\\\'));
}

/**
 * Columns a terminal needs for `text`: wide East Asian characters and emoji take two, combining
 * marks none. Close enough to string-width (which cli-table3 uses to draw) for fitting column widths.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const line of text.split('\n')) {
    let w = 0;
    for (const ch of line) {
      const cp = ch.codePointAt(0) ?? 0;
      if (/\p{M}|\u200B|\u200D|\uFE0F/u.test(ch)) continue;
      w += isWide(cp) ? 2 : 1;
    }
    width = Math.max(width, w);
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) || // emoji
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
