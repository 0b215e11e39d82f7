import type { Msisdn } from '../../domain/msisdn.js';
import type { Translate } from '../i18n/index.js';
import { checkNumber, fileRows, type RowEvent } from './file-rows.js';
import { formatRowErrors, MAX_STORED_ERRORS, TargetsInputError } from './input-error.js';

export { formatRowError, formatRowErrors, TargetsInputError } from './input-error.js';

/** One valid input row: the normalized number and the extra per-row columns (lower-cased header → raw value). */
export interface TargetRow {
  msisdn: Msisdn;
  line: number;
  source: string;
  params: Record<string, string>;
}

/** One rejected row; formats as `${source}:${line}: ${reason}`. */
export interface RowError {
  source: string;
  line: number;
  value: string;
  reason: string;
}

/** How the number list is read: the number column, per-row parameters, whether bad rows stop it. */
export interface ReadTargetsOptions {
  /** --column NAME (case-insensitive header match) or a 1-based column number. */
  column?: string;
  /** --skip-invalid: keep going, report errors, return valid rows. */
  skipInvalid?: boolean;
  /** Per-row columns the command accepts, e.g. ['tariff', 'at']; other extra columns are ignored. */
  paramColumns?: string[];
  /** How many errors the TargetsInputError message lists; default 50. */
  maxReportedErrors?: number;
  /** Words the messages (each row's reason, the headline) in the user's language. */
  t: Translate;
}

/** Everything read: the rows to send, the duplicates dropped, the rows rejected. */
export interface ReadTargetsResult {
  /** Valid, de-duplicated, in input order (positionals first, then each file). */
  rows: TargetRow[];
  /** Numbers given more than once (e.g. ['staff.csv:3', 'staff.csv:9']); sent once, the first row wins. */
  duplicates: { msisdn: Msisdn; lines: string[] }[];
  /** The errors, at most 10,000 of them kept. */
  errors: RowError[];
  errorCount: number;
}

/**
 * Reads positional numbers and files (path or '-' for `stdin`) completely and validates every row before
 * anything is sent. Throws TargetsInputError (exit code 2) listing up to maxReportedErrors errors
 * "file:line: reason" then "… and N more" when there are errors and !skipInvalid; also for unreadable
 * files, an unknown --column, a file with several columns and no recognizable number column.
 */
export async function readTargets(
  positionals: string[],
  files: string[],
  opts: ReadTargetsOptions,
  stdin: NodeJS.ReadableStream,
): Promise<ReadTargetsResult> {
  if (files.filter((f) => f === '-').length > 1) throw new TargetsInputError(opts.t('input.stdinTwice'));
  const rows: TargetRow[] = [];
  // Where each number first came (its place in rows), and the lines that repeat one: a list per number
  // only for those (100,000 rows held a list and a "file:line" string each, 10 MB of the dry run's heap).
  const first = new Map<string, number>();
  const repeats = new Map<number, string[]>();
  const errors: RowError[] = [];
  let errorCount = 0;
  const take = (event: RowEvent): void => {
    if (event.error) {
      errorCount++;
      if (errors.length < MAX_STORED_ERRORS) errors.push(event.error);
      return;
    }
    const { row } = event;
    const at = first.get(row.msisdn);
    if (at === undefined) {
      first.set(row.msisdn, rows.length);
      rows.push(row);
      return;
    }
    const lines = repeats.get(at) ?? [];
    lines.push(`${row.source}:${row.line}`);
    repeats.set(at, lines);
  };
  positionals.forEach((text, i) => take(checkNumber(text, 'argv', i + 1, {}, opts.t)));
  for (const file of files) for await (const event of fileRows(file, opts, stdin)) take(event);

  if (errorCount > 0 && !opts.skipInvalid) {
    const list = formatRowErrors(errors, errorCount, opts.t, opts.maxReportedErrors ?? 50);
    const headline = opts.t(errorCount === 1 ? 'input.invalidNumberRow' : 'input.invalidNumberRows', {
      count: errorCount,
    });
    throw new TargetsInputError(`${headline}\n${list}`, errors, errorCount);
  }
  const duplicates: ReadTargetsResult['duplicates'] = [];
  // In the order the numbers first came, as the rows are.
  for (const [at, lines] of [...repeats].sort(([a], [b]) => a - b)) {
    const row = rows[at] as TargetRow;
    duplicates.push({ msisdn: row.msisdn, lines: [`${row.source}:${row.line}`, ...lines] });
  }
  return { rows, duplicates, errors, errorCount };
}

/**
 * Streaming variant for huge files (1M lines): yields valid rows as they are parsed, never holding the
 * file, repeats and all (a change tells repeats across all its sources apart: RepeatCheck); errors are
 * collected in `sink` (at most 10,000 kept). It does not throw for bad rows — the caller decides when
 * the stream ends — only for an unreadable file, an unknown --column or no number column. `name` is
 * what messages call the file (`stdin` for a copy of it).
 */
export async function* streamTargets(
  file: string,
  opts: ReadTargetsOptions,
  stdin: NodeJS.ReadableStream,
  sink: { errors: RowError[]; errorCount: number },
  name?: string,
): AsyncGenerator<TargetRow> {
  for await (const event of fileRows(file, opts, stdin, name)) {
    if (event.error) {
      sink.errorCount++;
      if (sink.errors.length < MAX_STORED_ERRORS) sink.errors.push(event.error);
    } else yield event.row;
  }
}
