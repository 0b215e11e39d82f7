/**
 * Text from other people (names, subjects, e-mails arrive through the API from anyone who can type them)
 * made safe to look at and to open:
 * - on a terminal, C0 and C1 controls act instead of showing (ESC starts a sequence that can recolour,
 *   move the cursor or clear the screen; CR rewrites a line), and bidi controls reorder what follows them
 *   ("Trojan Source"): they are shown as visible escapes. TSV uses the same escapes (the CLI's renderer,
 *   and the backend's call detail export in SQL).
 * - in a spreadsheet, a CSV cell starting like a formula is run: free text gets a `'` in front.
 * Small and dependency-free: the message catalogs load it on every run.
 */

import { CONTROL_CHARACTERS } from './plain-text.js';

// The one list of control characters (plain-text.ts): the same the API refuses in names.
const CONTROL = new RegExp(`[${CONTROL_CHARACTERS}]`, 'g');
const CONTROL_BUT_LF = new RegExp(`(?!\\n)[${CONTROL_CHARACTERS}]`, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** How one control character is shown: `\t` `\n` `\r` by name, any other as `\u001b` (JSON's spelling). */
export function visibleEscape(c: string): string {
  return NAMED[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/**
 * The code points escapeControlChars escapes, in order (for SQL, which has no regular expressions).
 * A function, not a constant: the CLI loads this module on every run and never needs the list.
 */
export function controlCodePoints(): number[] {
  return Array.from({ length: 0x2070 }, (_, cp) => cp).filter(
    (cp) => String.fromCodePoint(cp).replace(CONTROL, '') === '',
  );
}

/** One line of text with every control and bidi character shown as an escape (`\n`, `\u001b`, `\u202e`). */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, visibleEscape);
}

/**
 * The same, keeping line breaks: for text the CLI itself laid out over several lines (a message
 * listing rows, a letter's body). Whatever it quotes from elsewhere should be escaped on its own first.
 */
export function escapeControlCharsKeepingLines(text: string): string {
  return text.replace(CONTROL_BUT_LF, visibleEscape);
}

/**
 * The first characters that make a spreadsheet (Excel, LibreOffice) read a CSV cell as a formula
 * (`=HYPERLINK(...)`, `-2+3+cmd|...`): `=` `+` `-` `@`, and tab and CR, which some skip before looking.
 */
export const FORMULA_START_CHARS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

/**
 * A CSV cell of free text as a spreadsheet will show it, not run it: a `'` in front of text starting
 * like a formula makes it text (OWASP's advice against CSV injection). Only for free text: a typed
 * value such as `+79161234567` or `-150.00` must stay a value a script or a spreadsheet can use.
 */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START_CHARS.includes(text.charAt(0)) ? `'${text}` : text;
}
