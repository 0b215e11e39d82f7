/**
 * The one renderer for list and item output. Machine formats stream row by row (a list of 100,000
 * numbers never sits in memory); the TTY table buffers, since column widths depend on every row.
 */
import chalk, { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';

import { escapeControlChars, spreadsheetSafe } from '../../domain/safe-text.js';
import { displayWidth, escapeTsv, machineCell, tableCell } from './cells.js';
import { UnknownFieldError, type Column, type ColumnKind, type RenderOptions } from './format.js';

export * from './format.js';
export { renderTree } from './tree.js';

/** A column after --fields and defaults are applied: what one output column shows and how. */
interface Field<T> {
  key: string;
  header: string;
  kind: ColumnKind;
  freeText: boolean;
  dropRank?: number;
  get: (row: T) => unknown;
}

/** Turns rows into text, one chunk per call, so the caller can write with backpressure. */
interface RowWriter<T> {
  begin(): string;
  row(row: T): string;
  end(count: number): string;
}

/** Stream rows to `out` in the chosen format; returns the number of rows written. */
export async function renderRows<T>(
  rows: Iterable<T> | AsyncIterable<T>,
  columns: Column<T>[],
  opts: RenderOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const iterator = toAsyncIterable(rows)[Symbol.asyncIterator]();
  let next = await iterator.next();
  let finished = Boolean(next.done);
  try {
    // The first row is read before anything is written: --fields may name any field of the rows,
    // and a wrong name must fail without leaving half an output behind.
    const fields = resolveFields(columns, opts, next.done ? undefined : next.value);
    if (opts.format === 'xlsx') {
      // The workbook reads the rows itself: their first ones set its column widths.
      const rest = async function* () {
        while (!next.done) {
          yield next.value;
          next = await iterator.next();
        }
        finished = true;
      };
      return await writeWorkbook(rest(), fields, opts, out);
    }
    const writer = rowWriter(fields, opts);
    let count = 0;
    await writeChunk(out, writer.begin());
    while (!next.done) {
      await writeChunk(out, writer.row(next.value));
      count++;
      next = await iterator.next();
    }
    finished = true;
    await writeChunk(out, writer.end(count));
    return count;
  } finally {
    // Stops the source (e.g. further page requests) when writing failed halfway.
    if (!finished) await iterator.return?.();
  }
}

/** One item (e.g. `vm numbers show`): table => "label: value" lines; json => the object; jsonl => one line; tsv/csv => header + one row. */
export async function renderObject<T>(
  item: T,
  columns: Column<T>[],
  opts: RenderOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const fields = resolveFields(columns, opts, item);
  switch (opts.format) {
    case 'table':
      await writeChunk(out, labelledLines(item, fields, opts));
      return;
    case 'json':
      await writeChunk(out, JSON.stringify(jsonValue(item, fields, opts), null, 2) + '\n');
      return;
    case 'xlsx':
      await writeWorkbook([item], fields, opts, out);
      return;
    default: {
      const writer = rowWriter(fields, opts);
      await writeChunk(out, writer.begin() + writer.row(item) + writer.end(1));
    }
  }
}

/** Rows as an xlsx workbook (output/xlsx.ts, which loads ExcelJS: only a run that writes one loads either). */
async function writeWorkbook<T>(
  rows: Iterable<T> | AsyncIterable<T>,
  fields: Field<T>[],
  opts: RenderOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  if (!opts.xlsx) throw new Error('An xlsx workbook needs its sheet name (RenderOptions.xlsx)');
  const { writeXlsx } = await import('./xlsx.js');
  return writeXlsx(rows, fields, opts.xlsx, out);
}

function rowWriter<T>(fields: Field<T>[], opts: RenderOptions): RowWriter<T> {
  switch (opts.format) {
    case 'xlsx':
      throw new Error('xlsx is a workbook, not rows of text (writeWorkbook)');
    case 'json':
      return jsonWriter(fields, opts);
    case 'jsonl':
      return {
        begin: () => '',
        row: (r) => jsonText(jsonValue(r, fields, opts)) + '\n',
        end: () => '',
      };
    case 'tsv':
      return {
        begin: () => fields.map((f) => escapeTsv(f.key)).join('\t') + '\n',
        row: (r) => fields.map((f) => escapeTsv(machineCell(f.get(r), f.kind))).join('\t') + '\n',
        end: () => '',
      };
    case 'csv':
      return csvWriter(fields, opts);
    case 'table':
      return tableWriter(fields, opts);
  }
}

/** `[`, rows separated by `,\n`, `]`: valid JSON at any row count, written as rows arrive. */
function jsonWriter<T>(fields: Field<T>[], opts: RenderOptions): RowWriter<T> {
  let first = true;
  return {
    begin: () => '[',
    row: (r) => {
      const sep = first ? '\n' : ',\n';
      first = false;
      return sep + jsonText(jsonValue(r, fields, opts));
    },
    end: (count) => (count === 0 ? ']\n' : '\n]\n'),
  };
}

function csvWriter<T>(fields: Field<T>[], opts: RenderOptions): RowWriter<T> {
  const options = {
    delimiter: opts.excel ? ';' : ',',
    record_delimiter: opts.excel ? 'windows' : 'unix',
    // csv-stringify quotes only the record delimiter itself; RFC 4180 wants any CR or LF quoted.
    quoted_match: /[\r\n]/,
  } as const;
  const line = (values: string[]) => stringify([values], options);
  const cell = (f: Field<T>, r: T): string => {
    const value = f.get(r);
    const text = machineCell(value, f.kind, opts.excel);
    // A number in a free-text column (a report's total) is a value, whatever its sign.
    const typed = typeof value === 'number' || typeof value === 'boolean';
    return f.freeText && !opts.rawCsv && !typed ? spreadsheetSafe(text) : text;
  };
  return {
    // Russian Excel reads a file without a BOM as Windows-1251.
    begin: () => (opts.excel ? '\uFEFF' : '') + line(fields.map((f) => f.key)),
    row: (r) => line(fields.map((f) => cell(f, r))),
    end: () => '',
  };
}

function tableWriter<T>(fields: Field<T>[], opts: RenderOptions): RowWriter<T> {
  const cells: string[][] = [];
  return {
    begin: () => '',
    row: (r) => {
      cells.push(fields.map((f) => tableCell(f.get(r), f.kind, opts.lang)));
      return '';
    },
    end: () => (cells.length === 0 ? '' : drawTable(fields, cells, opts)),
  };
}

/** Narrowest a wrapped column is made, padding included: 8 characters of text a line. */
const MIN_COLUMN_WIDTH = 10;

function drawTable<T>(fields: Field<T>[], cells: string[][], opts: RenderOptions): string {
  const c = chalkFor(opts.color);
  const headers = fields.map((f) => escapeControlChars(f.header));
  const natural = headers.map((h, i) => {
    let w = displayWidth(h);
    for (const row of cells) w = Math.max(w, displayWidth(row[i]));
    return w + 2; // cli-table3's default padding, one space each side
  });
  const { shown, widths } = fitTable(
    fields.map((f, i) => ({
      natural: natural[i],
      least: leastWidth(headers[i], natural[i], f.freeText || f.kind === 'list'),
      dropRank: f.dropRank,
    })),
    opts.width,
  );
  // A narrowed column's text is wrapped here, at spaces (cli-table3 would cut it with …).
  const text = (value: string, at: number) =>
    widths && widths[at] < natural[shown[at]] ? wrapText(value, widths[at] - 2) : value;
  const table = new Table({
    head: shown.map((col, at) => c.bold(text(headers[col], at))),
    // cli-table3 colours heads and borders itself through @colors/colors; chalk decides instead.
    // compact: no rule between rows, so a list of hundreds of numbers stays readable and half as tall.
    style: { head: [], border: [], compact: true },
    colAligns: shown.map((col) =>
      fields[col].kind === 'number' || fields[col].kind === 'money' ? 'right' : 'left',
    ),
    ...(widths ? { colWidths: widths } : {}),
  });
  for (const row of cells) table.push(shown.map((col, at) => text(row[col], at)));
  return table.toString() + '\n';
}

/**
 * The least a column may be given: a typed value's whole width; for free text and lists (which wrap) a
 * few words a line, and never less than the longest word of the header.
 */
function leastWidth(header: string, natural: number, wraps: boolean): number {
  if (!wraps) return natural;
  const headerWord = Math.max(...header.split(' ').map(displayWidth)) + 2;
  return Math.min(natural, Math.max(MIN_COLUMN_WIDTH, headerWord));
}

/** How a table fits the terminal: which columns it shows, in order, and their widths if any was narrowed. */
export interface TableLayout {
  shown: number[];
  widths?: number[];
}

/** A column of a table being fitted: its width and the least it may be given (padding included). */
export interface FittedColumn {
  natural: number;
  least: number;
  /** Left out when even the least widths do not fit, the lowest rank first; undefined: always shown. */
  dropRank?: number;
}

/**
 * Fits a table to `width` terminal columns. A typed value (a phone number, an id, a code, money, a time)
 * is never narrowed, its least is its width: `+791612…` or `RUB 1,2…` would be another value. Free text
 * and lists wrap onto more lines, the widest first. When even their least does not fit, the columns with a
 * drop rank are left out, the lowest rank first; a table that still does not fit is drawn wider than the
 * terminal rather than cut.
 */
export function fitTable(columns: FittedColumn[], width: number | undefined): TableLayout {
  let shown = columns.map((_, i) => i);
  if (width === undefined) return { shown };
  // The narrowest the shown columns can be, with a border character between and around them.
  const least = (cols: number[]) => cols.reduce((sum, i) => sum + columns[i].least, cols.length + 1);
  const rank = (i: number) => columns[i].dropRank ?? Infinity;
  while (least(shown) > width) {
    const drop = shown.reduce((a, b) => (rank(b) < rank(a) ? b : a));
    if (rank(drop) === Infinity) break;
    shown = shown.filter((i) => i !== drop);
  }
  const widths = fitColumns(
    shown.map((i) => columns[i].natural),
    width,
    shown.map((i) => columns[i].least),
  );
  return widths ? { shown, widths } : { shown };
}

/**
 * Column widths that fit `width` terminal columns, narrowing the widest columns first but none below its
 * `least`; undefined when the table fits as it is. It may stay wider than `width`.
 */
export function fitColumns(natural: number[], width: number, least: number[]): number[] | undefined {
  const available = width - (natural.length + 1); // one border character between and around columns
  const sum = (ws: number[]) => ws.reduce((s, n) => s + n, 0);
  if (sum(natural) <= available) return undefined;
  const widthsAt = (cap: number) => natural.map((n, i) => Math.min(n, Math.max(cap, least[i])));
  let cap = Math.max(...natural);
  while (cap > 0 && sum(widthsAt(cap)) > available) cap--;
  const widths = widthsAt(cap);
  // Hand the columns left over by the last step back, one each, left to right.
  let spare = available - sum(widths);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i] < natural[i]) {
      widths[i]++;
      spare--;
    }
  }
  return widths;
}

/**
 * `text` as lines of at most `width` terminal columns, broken at spaces and after a comma or a slash (a
 * list written `A,B,C`, a group path `HQ/Sales`); a word longer than a line is broken where the line
 * ends, so nothing of it is lost.
 */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    word.split(/(?<=[,/])/).forEach((piece, i) => {
      const joined = line === '' ? piece : `${line}${i === 0 ? ' ' : ''}${piece}`;
      if (displayWidth(joined) <= width) {
        line = joined;
        return;
      }
      if (line !== '') lines.push(line);
      line = '';
      for (const ch of piece) {
        if (line !== '' && displayWidth(line + ch) > width) {
          lines.push(line);
          line = '';
        }
        line += ch;
      }
    });
  }
  lines.push(line);
  return lines.join('\n');
}

function labelledLines<T>(item: T, fields: Field<T>[], opts: RenderOptions): string {
  const c = chalkFor(opts.color);
  const labels = fields.map((f) => escapeControlChars(f.header) + ':');
  const labelWidth = Math.max(0, ...labels.map(displayWidth));
  return fields
    .map((f, i) => {
      const pad = ' '.repeat(labelWidth - displayWidth(labels[i]) + 1);
      // One line per field (tableCell escapes line breaks): a value cannot pass for another label.
      return `${c.bold(labels[i])}${pad}${tableCell(f.get(item), f.kind, opts.lang)}\n`;
    })
    .join('');
}

/** json/jsonl value of a row: the whole API object, or just the --fields keys in their order. */
function jsonValue<T>(row: T, fields: Field<T>[], opts: RenderOptions): unknown {
  if (!hasFields(opts)) return row;
  return Object.fromEntries(fields.map((f) => [f.key, f.get(row) ?? null]));
}

function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function hasFields(opts: RenderOptions): opts is RenderOptions & { fields: string[] } {
  return opts.fields !== undefined && cleanFields(opts.fields).length > 0;
}

function cleanFields(fields: string[]): string[] {
  return [...new Set(fields.map((f) => f.trim()))].filter((f) => f !== '');
}

/**
 * The columns to show. Without --fields: every column, or for the table those with inTable !== false.
 * With --fields: those names in that order; a name that is not a column may be any field of the
 * rows (checked against `sample`, the first row; with no rows there is nothing to check against).
 * Such a field counts as free text: nothing says what it holds, and a stray `'` is the safer mistake.
 */
function resolveFields<T>(columns: Column<T>[], opts: RenderOptions, sample: T | undefined): Field<T>[] {
  if (!hasFields(opts)) {
    const shown = opts.format === 'table' ? columns.filter((col) => col.inTable !== false) : columns;
    return shown.map(fieldOf);
  }
  const byKey = new Map(columns.map((col) => [col.key, col]));
  const sampleKeys = isObject(sample) ? Object.keys(sample) : undefined;
  return cleanFields(opts.fields).map((name) => {
    const col = byKey.get(name);
    if (col) return fieldOf(col);
    if (sampleKeys && !sampleKeys.includes(name)) {
      throw new UnknownFieldError(name, [...new Set([...byKey.keys(), ...sampleKeys])]);
    }
    return {
      key: name,
      header: name,
      kind: 'text',
      freeText: true,
      get: (row: T) => (isObject(row) ? row[name] : undefined),
    };
  });
}

function fieldOf<T>(col: Column<T>): Field<T> {
  const key = col.key;
  return {
    key,
    header: col.header,
    kind: col.kind ?? 'text',
    freeText: col.freeText === true,
    dropRank: col.dropRank,
    get: col.get ?? ((row: T) => (isObject(row) ? row[key] : undefined)),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function chalkFor(color: boolean): ChalkInstance {
  // level 0 guarantees no escapes whatever the environment says; when asked for colour, honour at least basic.
  return new Chalk({ level: color ? (Math.max(chalk.level, 1) as 1 | 2 | 3) : 0 });
}

function toAsyncIterable<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  if (Symbol.asyncIterator in rows) return rows;
  return (async function* () {
    yield* rows;
  })();
}

/** Writes a chunk and, when the stream's buffer is full, waits for 'drain' before returning. */
export async function writeChunk(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (chunk === '' || out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(
        Object.assign(new Error('The output stream closed before all rows were written'), { code: 'EPIPE' }),
      );
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
