/**
 * Records the backend streams (call details as CSV, TSV or JSON lines) on their way to stdout or a file:
 * CSV, TSV and JSON lines pass through untouched and are only counted; a JSON array, the table and an xlsx
 * workbook are made from JSON lines as they arrive, so a million records never sit in memory at once.
 */
import { Transform, Writable, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Context } from '../context.js';
import { writeFileAtomically } from './atomic-file.js';
import { parseFieldList, UnknownFieldError, type OutputFormat } from './format.js';

/** How an export is asked for and printed. */
export interface RecordOutput<F extends string = string> {
  /** What the command prints. */
  format: OutputFormat;
  /** What the backend is asked for (JSON, the table and xlsx are made from JSON lines). */
  server: 'jsonl' | 'csv' | 'tsv';
  excel: boolean;
  /** --raw-csv: free text without the `'` that keeps a spreadsheet from running it. */
  rawCsv: boolean;
  fields?: F[];
}

/**
 * The format of an export: the one the flags chose; a table is for a terminal, so a file without a
 * format flag gets the format of its extension (`.tsv`, `.json`, `.jsonl`/`.ndjson`, `.xlsx`, else CSV).
 * Piped output defaults to TSV, which counts as not chosen.
 */
export function recordFormat(chosen: OutputFormat, formatFlag: boolean, file?: string): OutputFormat {
  if (!file || !(chosen === 'table' || (chosen === 'tsv' && !formatFlag))) return chosen;
  const ext = file.toLowerCase().split('.').pop() ?? '';
  return ext === 'tsv'
    ? 'tsv'
    : ext === 'xlsx'
      ? 'xlsx'
      : ext === 'jsonl' || ext === 'ndjson'
        ? 'jsonl'
        : ext === 'json'
          ? 'json'
          : 'csv';
}

/** The output of an export from the run's flags and `--output FILE`; --fields must name `known` fields. */
export async function recordOutput<F extends string>(
  ctx: Context,
  file: string | undefined,
  known: readonly F[],
): Promise<RecordOutput<F>> {
  const format = recordFormat(await ctx.format(), Boolean(ctx.opts.format), file);
  let fields: F[] | undefined;
  if (ctx.opts.fields) {
    fields = parseFieldList(ctx.opts.fields).map((field) => {
      const found = known.find((k) => k === field);
      if (found === undefined) throw new UnknownFieldError(field, [...known]);
      return found;
    });
  }
  return {
    format,
    server: format === 'csv' || format === 'tsv' ? format : 'jsonl',
    excel: format === 'csv' && ctx.opts.excel === true,
    rawCsv: format === 'csv' && ctx.opts.rawCsv === true,
    fields,
  };
}

/** Where records go: a file (written atomically) or stdout; a table keeps at most `tableRows` records. */
export interface RecordSink {
  file?: string;
  stdout: NodeJS.WritableStream;
  tableRows: number;
  /** Told the number of records so far as they arrive. */
  onProgress?: (records: number) => void;
  /** xlsx: writes the records (parsed JSON lines) to the file as a workbook; returns how many it wrote. */
  workbook?: (records: AsyncIterable<Record<string, unknown>>, file: Writable) => Promise<number>;
}

export interface CopiedRecords {
  records: number;
  /** The table was full: the rest was not downloaded. */
  cut: boolean;
  /** The records of a table, for the renderer. */
  rows: Record<string, unknown>[];
}

/** Copies a record stream to a file or stdout in `out.format`, counting records as they pass. */
export async function copyRecords(
  body: NodeJS.ReadableStream,
  out: RecordOutput,
  sink: RecordSink,
): Promise<CopiedRecords> {
  const result: CopiedRecords = { records: 0, cut: false, rows: [] };
  if (out.format === 'xlsx') {
    const { file, workbook } = sink;
    if (!file || !workbook) throw new Error('An xlsx export is written to a file, by its workbook writer');
    await writeFileAtomically(file, async (stream) => {
      await workbook(counted(body, sink, result), stream);
      stream.end();
      await finished(stream);
    });
    return result;
  }
  const convert = converter(out.format, sink, result);
  if (sink.file) {
    await writeFileAtomically(sink.file, (file) => pipeline(body, convert, inBatches(file)));
    return result;
  }
  const stdout = sink.stdout;
  const toStdout = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (out.format === 'table') {
        // A table is for reading: past its rows, stop downloading the rest.
        if (result.cut) (body as Readable).destroy();
        return done();
      }
      if (stdout.write(chunk)) done();
      else stdout.once('drain', () => done());
    },
  });
  try {
    await pipeline(body, convert, toStdout);
  } catch (err) {
    // Destroying the download on purpose ends the pipeline with an error that is no failure.
    if (!result.cut) throw err;
  }
  return result;
}

/** Bytes of a download that go to a file in one write. */
const FILE_WRITE_BYTES = 256 * 1024;

/**
 * Writes to `file` a quarter megabyte at a time: a download arrives in pieces of a few KB (~4,000 for
 * 100 MB) and a write each cost the CLI more than reading them. The pieces are kept as they came and go
 * out corked, so as one writev, with no copy (joining them into new buffers cost as much in garbage);
 * the next pieces are taken once that write is done. Ends `file` and waits for it to close.
 */
function inBatches(file: Writable): Writable {
  let pieces: Buffer[] = [];
  let bytes = 0;
  const flush = (done: (err?: Error | null) => void) => {
    const out = pieces;
    pieces = [];
    bytes = 0;
    file.cork();
    out.forEach((piece, i) => file.write(piece, i === out.length - 1 ? done : undefined));
    file.uncork();
  };
  const batches = new Writable({
    write(piece: Buffer, _enc, done) {
      pieces.push(piece);
      bytes += piece.length;
      if (bytes >= FILE_WRITE_BYTES) flush(done);
      else done();
    },
    final(done) {
      const end = (err?: Error | null) => {
        if (err) return done(err);
        file.end();
        finished(file).then(() => done(), done);
      };
      if (pieces.length > 0) flush(end);
      else end();
    },
  });
  file.once('error', (err) => batches.destroy(err));
  return batches;
}

/** The records of JSON lines, parsed one at a time as they arrive, counted (and the count told). */
async function* counted(
  body: NodeJS.ReadableStream,
  sink: RecordSink,
  result: CopiedRecords,
): AsyncGenerator<Record<string, unknown>> {
  const { jsonLines } = await import('../../client/json-lines.js');
  for await (const record of jsonLines<Record<string, unknown>>(body)) {
    result.records++;
    // Told every 1000 records: a progress bar redraws at most a few times a second anyway.
    if (result.records % 1000 === 0) sink.onProgress?.(result.records);
    yield record;
  }
  sink.onProgress?.(result.records);
}

/** JSON lines become a JSON array or table rows; everything else passes through, counted by its lines. */
function converter(format: OutputFormat, sink: RecordSink, result: CopiedRecords): Transform {
  let pending = '';
  // A Cyrillic letter may be split between two chunks: decode as a stream, never chunk by chunk.
  const decoder = new StringDecoder('utf8');
  let first = true;
  const headerLines = format === 'csv' || format === 'tsv' ? 1 : 0;
  let seenHeader = 0;
  const count = (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      if (seenHeader < headerLines) seenHeader++;
      else result.records++;
    }
    sink.onProgress?.(result.records);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (format !== 'json' && format !== 'table') {
        count(chunk);
        done(null, chunk);
        return;
      }
      pending += decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      let piece = '';
      for (const line of lines) {
        if (!line) continue;
        result.records++;
        if (format === 'table') {
          if (result.rows.length < sink.tableRows)
            result.rows.push(JSON.parse(line) as Record<string, unknown>);
          else result.cut = true;
        } else {
          piece += `${first ? '[\n' : ',\n'}${line}`;
          first = false;
        }
      }
      sink.onProgress?.(result.records);
      done(null, piece);
    },
    flush(done) {
      if (format === 'json') done(null, first ? '[]\n' : '\n]\n');
      else done();
    },
  });
}
