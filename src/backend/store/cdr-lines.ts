import type { RecordFormat } from '../../domain/record-format.js';
import { controlCodePoints, FORMULA_START_CHARS, visibleEscape } from '../../domain/safe-text.js';

/**
 * The stored column of each record field. `freeText`: a name or place as people wrote it, which a
 * CSV guards against spreadsheet formulas; the rest are typed (a `+7...` peer, `-2.50`) and never touched.
 */
const COLUMN: Record<string, { column: string; kind: 'text' | 'int' | 'money'; freeText?: boolean }> = {
  number: { column: 'msisdn', kind: 'text' },
  time: { column: 'started_at', kind: 'text' },
  kind: { column: 'kind', kind: 'text' },
  direction: { column: 'direction', kind: 'text' },
  peer: { column: 'peer', kind: 'text' },
  peerName: { column: 'peer_name', kind: 'text', freeText: true },
  location: { column: 'location', kind: 'text', freeText: true },
  seconds: { column: 'seconds', kind: 'int' },
  bytes: { column: 'bytes', kind: 'int' },
  cost: { column: 'cost', kind: 'money' },
};

const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;

// SQL has no regular expressions: a GLOB finds the rare text that may hold a control character, and only
// that text goes through a replace() per character. The GLOB's class is a few wide ranges, a superset
// (it also takes tab, LF, CR, and punctuation such as dashes between U+200E and U+2069): a class of every
// character one by one made a TSV export five times slower. NUL is left out: SQLite ends a pattern there, and no name holds one.
const ESCAPED = controlCodePoints().filter((cp) => cp !== 0 && ![9, 10, 13].includes(cp));
const MAY_HAVE_CONTROL = `'*[' || char(1) || '-' || char(31) || char(127) || '-' || char(159) || char(${0x61c}) || char(${0x200e}) || '-' || char(${0x2069}) || ']*'`;
const FORMULA_START = FORMULA_START_CHARS.map((c) =>
  c.charCodeAt(0) < 32 ? `char(${c.charCodeAt(0)})` : sqlText(c),
);

/**
 * TSV text: `\\`, tab, LF, CR escaped; for free text (the only fields that come from outside) any other
 * control or bidi character too, as the CLI escapes it (escapeTsv). Typed fields skip that check.
 */
function tsvText(x: string, freeText: boolean): string {
  const basic = `replace(replace(replace(replace(ifnull(${x}, ''), '\\', '\\\\'), char(9), '\\t'), char(10), '\\n'), char(13), '\\r')`;
  if (!freeText) return basic;
  const all = ESCAPED.reduce(
    (acc, cp) => `replace(${acc}, char(${cp}), ${sqlText(visibleEscape(String.fromCodePoint(cp)))})`,
    basic,
  );
  return `CASE WHEN ${x} GLOB ${MAY_HAVE_CONTROL} THEN ${all} ELSE ${basic} END`;
}

/**
 * The SQL expression that renders one call detail record as one line of `format` — made by SQLite in C,
 * a million records a second, instead of an object and a string per field in JavaScript. The rules are
 * the CLI's (src/cli/output/cells.ts and src/domain/record-format.ts): CSV quotes a field only when it
 * holds the separator, a quote or a line break, and puts a `'` before free text starting like a formula
 * (`=` `+` `-` `@` tab CR) unless `rawCsv`; TSV escapes `\ tab CR LF`, and other control characters in free text;
 * money `1234.50` (`1234,50` for Excel); null is empty (null in JSON).
 */
export function cdrLineSql(
  fields: readonly string[],
  format: RecordFormat,
  excel: boolean,
  rawCsv = false,
): string {
  const spec = fields.map((f) => {
    const c = Object.hasOwn(COLUMN, f) ? COLUMN[f] : undefined;
    if (!c) throw new RangeError(`unknown record field ${f}`);
    return { field: f, ...c };
  });
  if (format === 'jsonl') return `json_object(${spec.map((s) => `'${s.field}', ${s.column}`).join(', ')})`;
  const sep = format === 'tsv' ? '\t' : excel ? ';' : ',';
  const cell = (s: (typeof spec)[number]): string => {
    const x = s.column;
    if (s.kind === 'int') return `ifnull(${x}, '')`;
    if (s.kind === 'money')
      return `ifnull(printf('%s%d${excel ? ',' : '.'}%02d', CASE WHEN ${x} < 0 THEN '-' ELSE '' END, abs(${x}) / 100, abs(${x}) % 100), '')`;
    if (format === 'tsv') return tsvText(x, s.freeText === true);
    // The quote goes inside the CSV quotes; it adds no separator, quote or line break, so quoting is decided on x.
    const guard =
      s.freeText && !rawCsv
        ? `(CASE WHEN substr(${x}, 1, 1) IN (${FORMULA_START.join(', ')}) THEN '''' ELSE '' END) || `
        : '';
    return `CASE WHEN instr(${x}, '${sep}') OR instr(${x}, '"') OR instr(${x}, char(10)) OR instr(${x}, char(13))
      THEN '"' || ${guard}replace(${x}, '"', '""') || '"' ELSE ${guard}ifnull(${x}, '') END`;
  };
  return spec.map(cell).join(format === 'tsv' ? ` || char(9) || ` : ` || '${sep}' || `);
}
