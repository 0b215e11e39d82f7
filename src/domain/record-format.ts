/**
 * Writes records as JSON lines, CSV or TSV, line by line, for streams too large to hold: the backend's
 * call detail exports use it. The cell rules are the CLI's (see src/cli/output/cells.ts): money as
 * `1234.50` (`1234,50` for Russian Excel), null as empty, TSV escapes `\t \n \r \\`.
 */
import { formatMoneyPlain } from './money.js';

export type RecordFormat = 'jsonl' | 'csv' | 'tsv';

export interface RecordWriter {
  /** The content type of the stream. */
  contentType: string;
  /** What comes before the first record (BOM, header line). */
  head(): string;
  /** One record as one line, newline included. */
  line(row: Record<string, unknown>): string;
}

/** A writer for these fields; `money` names the fields holding kopecks. */
export function recordWriter(
  format: RecordFormat,
  fields: readonly string[],
  money: ReadonlySet<string>,
  excel = false,
): RecordWriter {
  if (format === 'jsonl') {
    return {
      contentType: 'application/x-ndjson; charset=utf-8',
      head: () => '',
      line: (row) => {
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f] = row[f] ?? null;
        return `${JSON.stringify(out)}\n`;
      },
    };
  }
  const tsv = format === 'tsv';
  const sep = tsv ? '\t' : excel ? ';' : ',';
  const eol = excel ? '\r\n' : '\n';
  const cell = (f: string, v: unknown): string => {
    if (v === null || v === undefined) return '';
    let text = money.has(f) && typeof v === 'number' ? formatMoneyPlain(v) : String(v);
    if (excel && money.has(f)) text = text.replace('.', ',');
    if (tsv) return text.replace(/[\\\t\r\n]/g, (c) => TSV_ESCAPES[c] as string);
    return needsQuotes(text, sep) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return {
    contentType: tsv ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8',
    head: () => (excel ? '\uFEFF' : '') + fields.map((f) => cell('', f)).join(sep) + eol,
    line: (row) => {
      let out = '';
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as string;
        out += (i ? sep : '') + cell(f, row[f]);
      }
      return out + eol;
    },
  };
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\r': '\\r', '\n': '\\n' };

function needsQuotes(text: string, sep: string): boolean {
  return text.includes(sep) || text.includes('"') || text.includes('\n') || text.includes('\r');
}
