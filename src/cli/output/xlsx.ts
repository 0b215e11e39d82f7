/**
 * Rows as an xlsx workbook, for spreadsheets: every cell is typed by its column, so a phone number or an
 * ICCID stays the text it is (CSV gives a spreadsheet `8.97010259596146E+19` and a `+` it drops), money is
 * a number of rubles with a ruble format, a time is a date. Written with ExcelJS's streaming writer, a row
 * at a time and waiting for the file, so a million rows never sit in memory. ExcelJS is loaded only here,
 * and this module only when an xlsx file is asked for.
 */
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type ExcelJS from 'exceljs';
import { displayWidth, machineCell } from './cells.js';
import type { ColumnKind, XlsxOptions } from './format.js';

/** A column of the sheet: the field's name (its header), its kind (the cells' type) and its value. */
export interface SheetColumn<T> {
  key: string;
  kind: ColumnKind;
  get: (row: T) => unknown;
}

/**
 * Data rows of one worksheet: a round million under Excel's 1,048,576 rows a sheet (the header is one
 * more), so the next sheet begins at a number people can count with.
 */
export const ROWS_PER_SHEET = 1_000_000;
/** Money: rubles with two decimals, grouped thousands and the ruble sign. */
export const MONEY_FORMAT = '#,##0.00 "₽"';
/** A time (always UTC, as the header says): a date and a time a spreadsheet sorts and computes with. */
export const TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** A date without a time (`2026-10-01`). */
export const DATE_FORMAT = 'yyyy-mm-dd';
/** Rows whose text sets the column widths, with the header. */
const SAMPLE_ROWS = 100;
/** Widest column, in characters: longer text is there in full, the column is not widened for it. */
const MAX_WIDTH = 60;
const MIN_WIDTH = 6;
/** Excel's limit of characters in a cell: a longer one makes it "repair" (drop) the sheet. */
const MAX_CELL_TEXT = 32_767;
/** Rows written between two looks at whether the file keeps up. */
const PRESSURE_EVERY = 256;

/** The value of one cell: text, a number, a boolean, a date, or empty (null). Never a formula. */
export type XlsxValue = string | number | boolean | Date | null;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The cell of `value` in a column of `kind`: money (kopecks) as rubles, a count as a number, a time as a
 * Date, a boolean as a boolean; text, ids and codes always as text, whatever they look like (an ICCID is
 * digits, a phone number starts with `+`, a free text with `=`: a string cell is never a formula).
 */
export function xlsxValue(value: unknown, kind: ColumnKind): XlsxValue {
  if (value === null || value === undefined) return null;
  if (kind === 'money' && typeof value === 'number' && Number.isFinite(value)) return value / 100;
  if (kind === 'number' && typeof value === 'number' && Number.isFinite(value)) return value;
  if (kind === 'bool' && typeof value === 'boolean') return value;
  if (kind === 'time') {
    const date = timeOf(value);
    if (date) return date;
  }
  const text = machineCell(value, kind);
  // An empty list or text is an empty cell, as in CSV.
  if (text === '') return null;
  return text.length > MAX_CELL_TEXT ? text.slice(0, MAX_CELL_TEXT) : text;
}

function timeOf(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  // A date alone is midnight UTC (as `new Date` reads it), shown without a time.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The number format of a cell, if its type wants one. */
function formatOf(value: XlsxValue, raw: unknown, kind: ColumnKind): string | undefined {
  if (value instanceof Date)
    return typeof raw === 'string' && DATE_ONLY.test(raw) ? DATE_FORMAT : TIME_FORMAT;
  if (kind === 'money' && typeof value === 'number') return MONEY_FORMAT;
  return undefined;
}

/** How wide a cell shows in a spreadsheet, in characters (its first line). */
function shownWidth(value: XlsxValue, format: string | undefined): number {
  if (value === null) return 0;
  if (value instanceof Date) return format === DATE_FORMAT ? 10 : 19;
  if (typeof value === 'number') {
    if (format !== MONEY_FORMAT) return String(value).length;
    const whole = Math.trunc(Math.abs(value)).toString().length;
    // digits, a separator every three, the sign, ".00" and " ₽"
    return whole + Math.floor((whole - 1) / 3) + (value < 0 ? 1 : 0) + 5;
  }
  if (typeof value === 'boolean') return 5;
  return displayWidth(value.split('\n', 1)[0] ?? '');
}

/** Writes `rows` to `out` as an xlsx workbook, without ending `out`; returns the number of rows. */
export async function writeXlsx<T>(
  rows: AsyncIterable<T> | Iterable<T>,
  columns: SheetColumn<T>[],
  opts: XlsxOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const WorkbookWriter = await loadWorkbookWriter();
  const limit = Math.max(1, opts.rowsPerSheet ?? ROWS_PER_SHEET);
  // ExcelJS's zip ends the stream it writes to; `out` is the caller's to end, so it gets a stream between.
  const zipped = new PassThrough();
  zipped.pipe(out, { end: false });
  // A file that fails (a full disk, Ctrl-C) stops the rows at the next look at the zip (keepUp).
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    const fail = (err: Error) => {
      failure ??= err;
      reject(err);
    };
    out.once('error', fail);
    zipped.once('error', fail);
  });
  failed.catch(() => undefined);
  const workbook = new WorkbookWriter({
    stream: zipped,
    useSharedStrings: false,
    useStyles: true,
    // The fastest deflate: the default level took twice as long for a tenth smaller file.
    zip: { zlib: { level: 1 } },
  });
  // Every row and cell gets one of a few style objects, shared: ExcelJS knows a style object it saw before,
  // and works out a new one (each cell's and row's own, by default) at a cost that was half the writing time.
  const styles = new Map<string, Partial<ExcelJS.Style>>();
  const styleOf = (numFmt: string) => {
    let style = styles.get(numFmt);
    if (!style) styles.set(numFmt, (style = numFmt === '' ? {} : { numFmt }));
    return style;
  };
  const headerStyle: Partial<ExcelJS.Style> = { font: { bold: true } };
  const rowStyle: Partial<ExcelJS.Style> = {};
  const name = sheetName(opts.sheet);
  const headers = columns.map((c) => (c.kind === 'time' ? opts.timeHeader(c.key) : c.key));

  let sheet: ExcelJS.Worksheet | undefined;
  let sheets = 0;
  let inSheet = 0;
  let widths: number[] = [];
  const newSheet = () => {
    sheet?.commit();
    sheets++;
    sheet = workbook.addWorksheet(sheets === 1 ? name : `${name} ${sheets}`, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    sheet.columns = widths.map((width) => ({ width }));
    const header = sheet.addRow(headers);
    header.eachCell((cell) => (cell.style = headerStyle));
    header.commit();
    inSheet = 0;
  };
  const addRow = (row: T) => {
    if (!sheet || inSheet >= limit) newSheet();
    const line = (sheet as ExcelJS.Worksheet).addRow([]);
    // A row has a style of its own too (ExcelJS's types leave it out).
    (line as ExcelJS.Row & { style: Partial<ExcelJS.Style> }).style = rowStyle;
    columns.forEach((c, i) => {
      const raw = c.get(row);
      const value = xlsxValue(raw, c.kind);
      if (value === null) return;
      const cell = line.getCell(i + 1);
      cell.value = value;
      // ExcelJS gives a number without a format `General`, text none: one shared style each.
      cell.style = styleOf(formatOf(value, raw, c.kind) ?? (typeof value === 'number' ? 'General' : ''));
    });
    line.commit();
    inSheet++;
  };

  // The widths come from the header and the first rows, so those are read before the sheet begins.
  const iterator = toAsyncIterator(rows);
  const sample: T[] = [];
  let next = await iterator.next();
  while (!next.done && sample.length < SAMPLE_ROWS) {
    sample.push(next.value);
    next = await iterator.next();
  }
  widths = columns.map((c, i) => {
    let width = displayWidth(headers[i] ?? '');
    for (const row of sample) {
      const raw = c.get(row);
      const value = xlsxValue(raw, c.kind);
      width = Math.max(width, shownWidth(value, formatOf(value, raw, c.kind)));
    }
    return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width + 2));
  });
  let count = 0;
  try {
    newSheet();
    for (const row of sample) {
      addRow(row);
      count++;
    }
    sample.length = 0;
    while (!next.done) {
      addRow(next.value);
      if (++count % PRESSURE_EVERY === 0) {
        if (failure) throw failure;
        await Promise.race([keepUp(workbook, sheet, zipped), failed]);
      }
      next = await iterator.next();
    }
    await Promise.race([workbook.commit(), failed]);
    // Every byte passed on to `out` (the zip may have ended before this line).
    await Promise.race([finished(zipped), failed]);
    return count;
  } finally {
    if (!next.done) await iterator.return?.();
  }
}

/** Bytes of the zip not yet taken by the file above which the rows wait. */
const MAX_QUEUED = 1 << 20;

/** A stream's buffered bytes and whether a writer should wait for its 'drain' (any stream class). */
interface Buffered {
  _writableState?: { length?: number; needDrain?: boolean };
  _readableState?: { length?: number };
}

/**
 * Waits while the zip is behind. ExcelJS's sheet stream never says no to a write, nor does its zip
 * (archiver) to its compressor, so rows written faster than they are compressed, or than the file takes
 * them, piled up in memory (600 MB for a million rows). So: the stream the zip reads the sheet from is
 * waited for when it is full (a sheet the zip has not taken yet gets a turn of the event loop), and the
 * zip's output while more than MAX_QUEUED bytes of it wait for the file. These are ExcelJS's and
 * archiver's own fields, not their typed API (utils/stream-buf.js keeps its readers in `pipes`).
 */
async function keepUp(workbook: unknown, sheet: unknown, zipped: PassThrough): Promise<void> {
  const source = (sheet as { stream?: { pipes?: (Writable & Buffered)[] } }).stream;
  const next = source?.pipes?.[0];
  // The zip's stream classes (readable-stream 2) predate `writableNeedDrain`.
  if (next?._writableState?.needDrain) await once(next, 'drain');
  else if (!next) await new Promise((resolve) => setImmediate(resolve));
  const zip = (workbook as { zip?: Buffered }).zip;
  const queued = () =>
    (zip?._readableState?.length ?? 0) +
    (zip?._writableState?.length ?? 0) +
    zipped.readableLength +
    zipped.writableLength;
  while (queued() > MAX_QUEUED) {
    if (zipped.writableNeedDrain) await once(zipped, 'drain');
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * ExcelJS's streaming workbook writer (ExcelJS.stream.xlsx.WorkbookWriter), loaded by its own module:
 * the whole of ExcelJS (readers, CSV, jszip) took 1.1 s to load, the writer 0.35 s.
 */
async function loadWorkbookWriter(): Promise<typeof ExcelJS.stream.xlsx.WorkbookWriter> {
  return (await import('exceljs/lib/stream/xlsx/workbook-writer.js')).default;
}

/**
 * A name Excel takes for a sheet: none of `[ ] : * ? / \`, not starting or ending with `'`, and short
 * enough (31 characters) for ` 12` after it.
 */
export function sheetName(text: string): string {
  const name = text
    .replace(/[[\]:*?/\\]/g, ' ')
    .replace(/^'+|'+$/g, '')
    .trim()
    .slice(0, 27)
    .trim();
  return name || 'vm';
}

function toAsyncIterator<T>(rows: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in rows) return rows[Symbol.asyncIterator]();
  const it = rows[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}
