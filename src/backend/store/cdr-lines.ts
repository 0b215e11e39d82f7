import type { Statement } from 'better-sqlite3';
import type { ExportLayout, RecordFormat } from '../../domain/record-format.js';
import type { Db } from './db.js';
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
 * Free text starting like a formula, as SQL. A comparison comes first: every formula character is below
 * 'A', so the usual text (a letter) costs no function call.
 */
function formulaStart(x: string): string {
  return `(${x} < 'A' AND substr(${x}, 1, 1) IN (${FORMULA_START.join(', ')}))`;
}

/**
 * Money in kopecks as `1234.50` (`1234,50` for Excel); null stays null. Zero, most records (those inside
 * the allowance), is a constant: a printf on every record was a sixth of a CSV export.
 */
function moneySql(x: string, excel: boolean): string {
  const point = excel ? ',' : '.';
  return `CASE WHEN ${x} = 0 THEN '0${point}00'
    WHEN ${x} > 0 THEN printf('%d${point}%02d', ${x} / 100, ${x} % 100)
    WHEN ${x} < 0 THEN printf('-%d${point}%02d', -${x} / 100, -${x} % 100) END`;
}

/**
 * The SQL expression that renders one call detail record as one line of `format` — made by SQLite in C,
 * a million records a second, instead of an object and a string per field in JavaScript. The rules are
 * the CLI's (src/cli/output/cells.ts and src/domain/record-format.ts): CSV quotes a field only when it
 * holds the separator, a quote or a line break, and puts a `'` before free text starting like a formula
 * (`=` `+` `-` `@` tab CR) unless `rawCsv`; TSV escapes `\ tab CR LF`, and other control characters in free text;
 * money `1234.50` (`1234,50` for Excel); null is empty (null in JSON). The fields are joined by one
 * concat(), which takes NULL as empty, not by a chain of `||`, each of which copies the line so far.
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
  const sep = format === 'tsv' ? 'char(9)' : excel ? `';'` : `','`;
  const cell = (s: (typeof spec)[number]): string => {
    const x = s.column;
    if (s.kind === 'int') return x;
    if (s.kind === 'money') return moneySql(x, excel);
    if (format === 'tsv') return tsvText(x, s.freeText === true);
    // The quote goes inside the CSV quotes; it adds no separator, quote or line break, so quoting is decided on x.
    const guarded = (text: string) =>
      s.freeText && !rawCsv ? `CASE WHEN ${formulaStart(x)} THEN '''' || ${text} ELSE ${text} END` : text;
    return `CASE WHEN instr(${x}, ${sep}) OR instr(${x}, '"') OR instr(${x}, char(10)) OR instr(${x}, char(13))
      THEN '"' || ${guarded(`replace(${x}, '"', '""')`)} || '"' ELSE ${guarded(x)} END`;
  };
  return `concat(${spec.map(cell).join(`, ${sep}, `)})`;
}

/** What an export's lines are made of (see cdrLineSql). */
export type LineLayout = Pick<ExportLayout, 'fields' | 'format' | 'excel' | 'rawCsv' | 'eol'>;

/**
 * Call detail records read out in an export's format (see cdrLineSql): one number's records over a
 * period as one string, no JavaScript object or string per record.
 */
export class CdrLinesRepo {
  private readonly statements = new Map<string, Statement<[string, string, string], string | null>>();

  constructor(private readonly db: Db) {}

  /**
   * The records of a line in [from, to) (ISO times), by time, one line each; null when there are none.
   * The lines are made in a subquery ordered by the primary key, which the index gives as it is (no
   * sort), and joined in that order: an ORDER BY inside group_concat sorted them again.
   *
   * Text, one number at a time, not a buffer of many: a month of one number is some 30 KB, a string
   * small enough for V8's young generation, collected by the next scavenge like any other garbage. A
   * Buffer's memory lies outside the heap and V8 collects young ones only once 32 MB of them have
   * piled up; a million records passing as buffers held the backend 30-50 MB higher (169 MB).
   */
  lines(msisdn: string, from: string, to: string, out: LineLayout): string | null {
    const eol = out.eol === '\r\n' ? 'char(13, 10)' : 'char(10)';
    const sql = `SELECT group_concat(line, '') FROM (
        SELECT ${cdrLineSql(out.fields, out.format, out.excel, out.rawCsv)} || ${eol} AS line FROM cdr
         WHERE msisdn = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, seq)`;
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<[string, string, string], string | null>(sql).pluck();
      this.statements.set(sql, stmt);
    }
    return stmt.get(msisdn, from, to) ?? null;
  }
}
