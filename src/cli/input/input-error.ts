import { escapeControlChars } from '../../domain/safe-text.js';
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
export function formatRowErrors(errors: RowError[], errorCount: number, max = 50): string {
  const shown = errors.slice(0, Math.max(0, max));
  const lines = shown.map(formatRowError);
  if (errorCount > shown.length) lines.push(`… and ${errorCount - shown.length} more`);
  return lines.join('\n');
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
