/**
 * The shape of a record export (call details): content type, the first line, the line ending. The
 * records themselves are written by the store (see src/backend/store/cdr-lines.ts) by the CLI's cell
 * rules (src/cli/output/cells.ts): CSV per RFC 4180, Russian Excel with a BOM, `;`, a decimal comma
 * and CRLF; TSV with `\t \n \r \\` escaped; JSON lines.
 */
export type RecordFormat = 'jsonl' | 'csv' | 'tsv';

export interface ExportLayout {
  format: RecordFormat;
  fields: readonly string[];
  excel: boolean;
  contentType: string;
  /** What comes before the first record: the BOM and header line (CSV, TSV), nothing for JSON lines. */
  head: string;
  eol: string;
}

/** The layout of an export of `fields` as `format` (`excel` only changes CSV). */
export function exportLayout(format: RecordFormat, fields: readonly string[], excel = false): ExportLayout {
  if (format === 'jsonl')
    return {
      format,
      fields,
      excel: false,
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
    contentType: tsv ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8',
    head: (xl ? '\uFEFF' : '') + fields.join(sep) + eol,
    eol,
  };
}
