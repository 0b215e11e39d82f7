/**
 * Writes records as JSON lines, CSV or TSV, line by line, for streams too large to hold: the backend's
 * call detail exports use it. Records come as arrays in the order of `columns` (straight from the
 * database); `fields` chooses and orders what is written. The cell rules are the CLI's (see
 * src/cli/output/cells.ts): money as `1234.50` (`1234,50` for Russian Excel), null as empty, TSV escapes
 * `\t \n \r \\`.
 */
import { formatMoneyPlain } from './money.js';

export type RecordFormat = 'jsonl' | 'csv' | 'tsv';

export interface RecordWriter {
  /** The content type of the stream. */
  contentType: string;
  /** What comes before the first record (BOM, header line). */
  head(): string;
  /** One record (values in `columns` order) as one line, newline included. */
  line(row: readonly unknown[]): string;
}

/** A writer of `fields` out of rows laid out as `columns`; `money` names the fields holding kopecks. */
export function recordWriter(
  format: RecordFormat,
  columns: readonly string[],
  fields: readonly string[],
  money: ReadonlySet<string>,
  excel = false,
): RecordWriter {
  const at = fields.map((f) => {
    const i = columns.indexOf(f);
    if (i < 0) throw new RangeError(`unknown field ${f}`);
    return i;
  });
  const isMoney = fields.map((f) => money.has(f));
  if (format === 'jsonl') {
    const keys = fields.map((f) => `${JSON.stringify(f)}:`);
    return {
      contentType: 'application/x-ndjson; charset=utf-8',
      head: () => '',
      line: (row) => {
        let out = '{';
        for (let i = 0; i < at.length; i++) {
          const v = row[at[i] as number];
          out += `${i ? ',' : ''}${keys[i] as string}${v === undefined ? 'null' : JSON.stringify(v)}`;
        }
        return `${out}}\n`;
      },
    };
  }
  const tsv = format === 'tsv';
  const sep = tsv ? '\t' : excel ? ';' : ',';
  const eol = excel ? '\r\n' : '\n';
  const text = (s: string): string => {
    if (tsv) return /[\\\t\r\n]/.test(s) ? s.replace(/[\\\t\r\n]/g, (c) => TSV_ESCAPES[c] as string) : s;
    return s.includes(sep) || s.includes('"') || s.includes('\n') || s.includes('\r')
      ? `"${s.replace(/"/g, '""')}"`
      : s;
  };
  const cell = (v: unknown, moneyField: boolean): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') {
      if (!moneyField) return String(v);
      const plain = formatMoneyPlain(v);
      return excel ? plain.replace('.', ',') : plain;
    }
    return text(String(v));
  };
  return {
    contentType: tsv ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8',
    head: () => (excel ? '\uFEFF' : '') + fields.map((f) => text(f)).join(sep) + eol,
    line: (row) => {
      let out = cell(row[at[0] as number], isMoney[0] as boolean);
      for (let i = 1; i < at.length; i++) out += sep + cell(row[at[i] as number], isMoney[i] as boolean);
      return out + eol;
    },
  };
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\r': '\\r', '\n': '\\n' };
