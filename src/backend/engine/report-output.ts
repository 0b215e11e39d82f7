import fs from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import type { Report, ReportHead, ReportLine } from '../../api/billing.js';
import type { ResultFile } from '../store/report-jobs-repo.js';

/** A result smaller than this is answered as one string (the contract check in tests reads those). */
const WHOLE_BELOW_BYTES = 1024 * 1024;
/** Rows put together into one chunk of the answer. */
const ROWS_PER_CHUNK = 1000;
const ROW_PREFIX = '{"row":';

/**
 * A job's result as the one Report document (`GET /v1/report-jobs/{id}/result`). The stored JSON lines
 * are rewritten as they are read, a thousand rows a chunk: a row's text is its line without the
 * `{"row":…}` around it, so no row is parsed and 100,000 rows are never in memory together.
 */
export async function reportDocument(file: ResultFile): Promise<Readable | string> {
  if (fs.statSync(file.path).size < WHOLE_BELOW_BYTES) {
    const text = fs.readFileSync(file.path, 'utf8');
    if (file.format === 'document') return text;
    const parts: string[] = [];
    for await (const part of documentText(text.split('\n'))) parts.push(part);
    return parts.join('');
  }
  if (file.format === 'document') return fs.createReadStream(file.path);
  return Readable.from(documentText(linesOf(file.path)), { objectMode: false });
}

/**
 * A job's result as JSON lines (`GET /v1/report-jobs/{id}/lines`): the stored file as it is; a result of
 * an earlier version (one document) is read and written as lines.
 */
export function reportLines(file: ResultFile): Readable {
  if (file.format === 'lines') return fs.createReadStream(file.path);
  const report = JSON.parse(fs.readFileSync(file.path, 'utf8')) as Report;
  const { rows, totals, ...head } = report;
  const lines: ReportLine[] = [
    { report: head },
    ...rows.map((row) => ({ row })),
    { end: { rows: rows.length, totals } },
  ];
  return Readable.from(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

async function* documentText(lines: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let rows: string[] = [];
  let first = true;
  for await (const line of lines) {
    if (!line) continue;
    if (line.startsWith(ROW_PREFIX)) {
      rows.push(line.slice(ROW_PREFIX.length, -1));
      if (rows.length < ROWS_PER_CHUNK) continue;
      yield `${first ? '' : ','}${rows.join(',')}`;
      first = false;
      rows = [];
      continue;
    }
    const parsed = JSON.parse(line) as ReportLine;
    if ('report' in parsed) yield headText(parsed.report);
    else if ('end' in parsed) {
      if (rows.length > 0) yield `${first ? '' : ','}${rows.join(',')}`;
      yield `],"totals":${JSON.stringify(parsed.end.totals)}}`;
    }
  }
}

/** `{"type":…,"from":…,"to":…,"columns":[…],"rows":[`: the document up to its first row. */
function headText(head: ReportHead): string {
  const text = JSON.stringify({ type: head.type, from: head.from, to: head.to, columns: head.columns });
  return `${text.slice(0, -1)},"rows":[`;
}

/** The lines of a file, read as they are needed. */
function linesOf(path: string): AsyncIterable<string> {
  return readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity });
}
