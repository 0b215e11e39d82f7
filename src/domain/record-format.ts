/**
 * The shape of a record export (call details): content type, the first line, the line ending. The
 * records themselves are written by the store (see src/backend/store/cdr-lines.ts) by the CLI's cell
 * rules (src/cli/output/cells.ts): CSV per RFC 4180, Russian Excel with a BOM, `;`, a decimal comma
 * and CRLF, free text with a `'` before a formula unless raw; TSV with `\\ \t \n \r` and other control
 * characters escaped (src/domain/safe-text.ts); JSON lines.
 */
export type RecordFormat = 'jsonl' | 'csv' | 'tsv';

export interface ExportLayout {
  format: RecordFormat;
  fields: readonly string[];
  excel: boolean;
  /** CSV only: free text exactly as stored, without the `'` that keeps a spreadsheet from running it. */
  rawCsv: boolean;
  contentType: string;
  /** What comes before the first record: the BOM and header line (CSV, TSV), nothing for JSON lines. */
  head: string;
  eol: string;
}

/** The layout of an export of `fields` as `format` (`excel` and `rawCsv` only change CSV). */
export function exportLayout(
  format: RecordFormat,
  fields: readonly string[],
  excel = false,
  rawCsv = false,
): ExportLayout {
  if (format === 'jsonl')
    return {
      format,
      fields,
      excel: false,
      rawCsv: false,
      contentType: 'application/x-ndjson; charset=utf-8',
      head: '',
      eol: '\n',
    };
  const tsv = format === 'tsv';
  const xl = excel && !tsv;
  const sep = tsv ? '\t' : xl ? ';' : ',';
  const eol = xl ? '\r\n' : '\n';
  return {
    format,
    fields,
    excel: xl,
    rawCsv: rawCsv && !tsv,
    contentType: tsv ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8',
    head: (xl ? '\uFEFF' : '') + fields.join(sep) + eol,
    eol,
  };
}
