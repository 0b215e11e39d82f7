/**
 * What the output layer is asked to do: the formats, the column model and the choice of format from
 * the command-line flags. No rendering here, so commands can import it cheaply.
 */

/** `xlsx` is written only to a file (`--xlsx FILE`), never to stdout: it is no `-o` value. */
export type OutputFormat = 'table' | 'tsv' | 'csv' | 'json' | 'jsonl' | 'xlsx';
export type Lang = 'en' | 'ru';
export type ColumnKind = 'text' | 'number' | 'money' | 'time' | 'list' | 'bool';

/** Every value `-o/--output-format` accepts, in the order help text lists them. */
export const OUTPUT_FORMATS: readonly Exclude<OutputFormat, 'xlsx'>[] = [
  'table',
  'json',
  'jsonl',
  'csv',
  'tsv',
];

export interface Column<T = Record<string, unknown>> {
  /** API field name; used as header in tsv/csv and as key in json. */
  key: string;
  /** Localized header for the TTY table. */
  header: string;
  /** Default 'text'. */
  kind?: ColumnKind;
  /** Default: row[key]. */
  get?: (row: T) => unknown;
  /** Shown in the table only when the user did not pass --fields (keeps tables narrow). Default true. */
  inTable?: boolean;
  /**
   * Table only: when the terminal is too narrow for the table even with its free text wrapped, columns with
   * a rank are left out, the lowest rank first (e.g. an employee name beside the number). Default: kept.
   */
  dropRank?: number;
  /**
   * Text people typed (names, e-mails, subjects, reasons), as opposed to values of a type (numbers, codes,
   * ids, times, money). In csv a free-text cell starting like a formula gets a `'` in front (see
   * spreadsheetSafe); typed cells are never touched, so `+79161234567` and `-150.00` stay values.
   * Default false.
   */
  freeText?: boolean;
}

export interface RenderOptions {
  format: OutputFormat;
  /** --fields a,b,c: choose and order columns; an unknown field throws UnknownFieldError. */
  fields?: string[];
  color: boolean;
  lang: Lang;
  /** csv only: UTF-8 BOM, ';' delimiter, CRLF — for Russian Excel. */
  excel?: boolean;
  /** csv only (--raw-csv): free-text cells exactly as they are, without the `'` before a formula. */
  rawCsv?: boolean;
  /** table only: the terminal width the table is fitted to (see fitTable); undefined = no limit. */
  width?: number;
  /** xlsx only: the worksheet's name and the header of a time column. */
  xlsx?: XlsxOptions;
}

/** How an xlsx workbook is named and headed (see output/xlsx.ts). */
export interface XlsxOptions {
  /** The worksheet's name; the sheets after the first add ` 2`, ` 3`, … */
  sheet: string;
  /** The header of a time column from its field name: it says the times are UTC (`time (UTC)`). */
  timeHeader: (key: string) => string;
  /** Data rows a sheet holds before the next begins (default a million; tests make it small). */
  rowsPerSheet?: number;
}

/** The flags that decide the output format. */
export interface FormatFlags {
  output?: string;
  json?: boolean;
  jsonl?: boolean;
  ndjson?: boolean;
  csv?: boolean;
  excel?: boolean;
  rawCsv?: boolean;
  /** --xlsx FILE: the file the workbook is written to. */
  xlsx?: string;
}

/** A --fields name that is neither a column nor a field of the rows; `valid` lists what would have been. */
export class UnknownFieldError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'UnknownFieldError';
  constructor(
    public field: string,
    public valid: string[],
  ) {
    super(`Unknown field "${field}". Valid fields: ${valid.join(', ')}`);
    this.name = 'UnknownFieldError';
  }
}

/** An -o/--output-format value that names no format (a usage error, exit code 2). */
export class FormatError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'FormatError';
  constructor(
    message: string,
    public readonly value?: string,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/** Did the flags ask for a format (-o, --json, --jsonl, --csv, …), rather than leave it to the terminal? */
export function formatAsked(flags: FormatFlags): boolean {
  return Boolean(
    flags.output !== undefined ||
    flags.json ||
    flags.jsonl ||
    flags.ndjson ||
    flags.csv ||
    flags.excel ||
    flags.rawCsv ||
    flags.xlsx !== undefined,
  );
}

/**
 * Decide the format from flags: --xlsx (which takes no other format flag: Context.use refuses them), then
 * -o, --json, --jsonl/--ndjson, --csv (or --excel, --raw-csv), else table on a TTY and tsv otherwise.
 */
export function chooseFormat(flags: FormatFlags, isTTY: boolean): OutputFormat {
  if (flags.xlsx !== undefined) return 'xlsx';
  if (flags.output !== undefined) return parseOutputFormat(flags.output);
  if (flags.json) return 'json';
  if (flags.jsonl || flags.ndjson) return 'jsonl';
  if (flags.csv || flags.excel || flags.rawCsv) return 'csv';
  return isTTY ? 'table' : 'tsv';
}

/** Reads an -o value (case-insensitive; `ndjson` means jsonl); throws FormatError on anything else. */
export function parseOutputFormat(value: string): Exclude<OutputFormat, 'xlsx'> {
  const v = value.trim().toLowerCase();
  if (v === 'ndjson') return 'jsonl';
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as Exclude<OutputFormat, 'xlsx'>;
  throw new FormatError(`Unknown output format "${value}". Use one of: ${OUTPUT_FORMATS.join(', ')}`, value);
}

/** Splits a --fields value (`a, b,c`) into names, dropping blanks and repeats. */
export function parseFieldList(text: string): string[] {
  return [...new Set(text.split(',').map((f) => f.trim()))].filter((f) => f !== '');
}
