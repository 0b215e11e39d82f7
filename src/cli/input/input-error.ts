import { escapeControlChars } from '../../domain/safe-text.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import type { RowError } from './number-list.js';

/** How many rejected rows are kept in memory; beyond it only the count grows. */
export const MAX_STORED_ERRORS = 10_000;

/**
 * `numbers.csv:17: "8916123" is not a valid phone number`: one line, whatever the file held (its
 * control characters are escaped, as the reason quotes the row).
 */
export function formatRowError(error: RowError): string {
  return escapeControlChars(`${error.source}:${error.line}: ${error.reason}`);
}

/** Up to `max` errors, one a line, then `… and N more` when there were more. */
export function formatRowErrors(errors: RowError[], errorCount: number, t: Translate, max = 50): string {
  const shown = errors.slice(0, Math.max(0, max));
  const lines = shown.map(formatRowError);
  if (errorCount > shown.length) lines.push(t('input.moreErrors', { count: errorCount - shown.length }));
  return lines.join('\n');
}

/**
 * Why a text is not a phone number, in the user's language: the domain's MsisdnError says it in English
 * (it knows no languages), its `reason` and `input` are what the catalogs word.
 */
export function msisdnMessage(e: { input: string; reason: string }, t: Translate): string {
  if (e.reason === 'empty') return t('input.emptyNumber');
  return t(e.reason === 'excel_exponent' ? 'input.excelNumber' : 'input.invalidNumber', { value: e.input });
}

/** The system's reasons a file cannot be read that the catalogs word; others keep the system's text. */
const READ_FAILURES: Record<string, MessageKey> = {
  ENOENT: 'input.noSuchFile',
  EACCES: 'input.noAccess',
  EPERM: 'input.noAccess',
  EISDIR: 'input.isDirectory',
};

/** Why a file could not be read, in the user's language when it is a common reason (`ENOENT: …`). */
export function readFailure(err: unknown, t: Translate): string {
  // Shape, not instanceof: errors from node's own modules may come from another realm (jest's vm).
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const key = typeof code === 'string' ? READ_FAILURES[code] : undefined;
  if (key) return t(key, { code: code as string });
  return typeof message === 'string' ? message : String(err);
}

/** The number list cannot be used as given: bad rows, an unreadable file, no number column. Exit 2. */
export class TargetsInputError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'TargetsInputError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly errors: RowError[] = [],
    readonly errorCount: number = errors.length,
  ) {
    super(message);
  }
}
