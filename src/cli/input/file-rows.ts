import fs from 'node:fs';
import { Readable } from 'node:stream';

import { parse } from 'csv-parse';

import { parseMsisdn, type MsisdnError } from '../../domain/msisdn.js';
import { decodeText } from './decode.js';
import { firstRecord, detectDelimiter, planLayout, type Layout } from './header.js';
import type { Translate } from '../i18n/index.js';
import { msisdnMessage, readFailure, TargetsInputError } from './input-error.js';
import type { ReadTargetsOptions, RowError, TargetRow } from './number-list.js';

/** One parsed row of a number list: a valid number or the reason it is not. */
export type RowEvent = { row: TargetRow; error?: undefined } | { row?: undefined; error: RowError };

/** The per-row values of a row without any: frozen, as every such row shares it. */
const NO_PARAMS: Record<string, string> = Object.freeze({});
/** A one-column list is parsed with a delimiter no text contains, so each line is one field. */
const NO_DELIMITER = '\uffff';
/** A header longer than this is not waited for: it is an unclosed quote, and the parser will say so. */
const MAX_HEADER_CHARS = 1024 * 1024;
/** Guards memory against a stray quote swallowing the rest of a million-line file. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** The raw bytes of a file, or of stdin for '-'; a read failure becomes `Cannot read FILE: …`. */
async function* sourceBytes(
  file: string,
  stdin: NodeJS.ReadableStream,
  t: Translate,
): AsyncGenerator<Buffer | string> {
  const source = sourceName(file);
  const stream = file === '-' ? stdin : fs.createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) yield chunk;
  } catch (err) {
    throw new TargetsInputError(t('input.cannotRead', { file: source, reason: readFailure(err, t) }));
  }
}

/** The name a file goes by in messages: the path as given, `stdin` for '-'. */
function sourceName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

function lineBreaks(fields: string[]): number {
  let n = 0;
  for (const field of fields) n += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  return n;
}

/** The number from `text`, or the reason it is not one; other failures are bugs and propagate. */
export function checkNumber(
  text: string,
  source: string,
  line: number,
  params: Record<string, string>,
  t: Translate,
): RowEvent {
  try {
    return { row: { msisdn: parseMsisdn(text), line, source, params } };
  } catch (err) {
    const e = err as MsisdnError | null;
    if (e?.name === 'MsisdnError') {
      return { error: { source, line, value: text.trim(), reason: msisdnMessage(e, t) } };
    }
    throw err;
  }
}

/**
 * Parses one file (or '-' for stdin) row by row, streaming: decodes it, finds the delimiter and the
 * layout from its first non-blank line, then yields each row's number or error with its physical line
 * (messages name it `source`: the path as given, `stdin` for '-').
 */
export async function* fileRows(
  file: string,
  opts: ReadTargetsOptions,
  stdin: NodeJS.ReadableStream,
  source = sourceName(file),
): AsyncGenerator<RowEvent> {
  const text = decodeText(sourceBytes(file, stdin, opts.t));

  // Read just enough to see the header line, which decides the delimiter.
  let head = '';
  let header: string | null = null;
  let ended = false;
  while (header === null) {
    const next = await text.next();
    ended = next.done === true;
    if (!ended) head += next.value;
    header = firstRecord(head, ended || head.length > MAX_HEADER_CHARS);
  }
  const delimiter = detectDelimiter(header);

  async function* rest(): AsyncGenerator<string> {
    if (head) yield head;
    head = '';
    if (!ended) yield* text;
  }
  // csv-parse's info.lines counts a CRLF inside a quoted field as two lines, so lines are counted here,
  // as each record is made (records still buffered when a later one fails would be lost to a count kept
  // by the reader). `lines` holds the first line of each record made and not yet read: a few dozen.
  let nextLine = 1;
  const lines: number[] = [];
  const input = Readable.from(rest(), { objectMode: false });
  const parser = parse({
    delimiter: delimiter ?? NO_DELIMITER,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false, // every physical line comes through, so counting them gives line numbers
    trim: true,
    max_record_size: MAX_RECORD_BYTES,
    on_record: (fields: string[]) => {
      const line = nextLine;
      nextLine += 1 + lineBreaks(fields);
      const blank = fields.every((f) => f === '' || (delimiter === null && /^[,;\s]*$/.test(f)));
      if (blank) return null;
      lines.push(line);
      return fields;
    },
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  let layout: Layout | undefined;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      const line = lines.shift() ?? nextLine;
      if (!layout) {
        layout = planLayout(fields, delimiter === null, source, opts.column, opts.paramColumns ?? [], opts.t);
        if (layout.hasHeader) continue;
      }
      // A file without per-row columns shares one empty set of them (100,000 rows, 100,000 objects).
      const params: Record<string, string> = layout.params.length === 0 ? NO_PARAMS : {};
      for (const { column, name } of layout.params) {
        const value = fields[column];
        if (value !== undefined && value !== '') params[name] = value;
      }
      yield checkNumber(fields[layout.numberColumn] ?? '', source, line, params, opts.t);
    }
  } catch (err) {
    throw csvError(err, source, nextLine, opts.t);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** A csv-parse failure (an unclosed quote) as an input error at the line where the broken record starts. */
function csvError(err: unknown, source: string, line: number, t: Translate): unknown {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return err;
  const reason =
    code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE'
      ? t('input.unclosedQuote')
      : String(message);
  const error: RowError = { source, line, value: '', reason };
  return new TargetsInputError(`${source}:${line}: ${reason}`, [error], 1);
}
