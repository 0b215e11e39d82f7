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
 *
 * `typed: 'unchecked'` writes the typed text fields (number, time, kind, direction, peer) as they are,
 * for a caller that has made sure in bulk that none needs quoting or escaping (typedTextCheck). `eol`
 * ends the line inside the same concat() (a `|| eol` after it copied the whole line once more).
 */
export function cdrLineSql(
  fields: readonly string[],
  format: RecordFormat,
  excel: boolean,
  rawCsv = false,
  opts: { typed?: 'checked' | 'unchecked'; eol?: string } = {},
): string {
  const spec = columnsOf(fields);
  const eol = opts.eol ? `char(${[...opts.eol].map((c) => c.charCodeAt(0)).join(', ')})` : '';
  if (format === 'jsonl')
    return `json_object(${spec.map((s) => `'${s.field}', ${s.column}`).join(', ')})${eol && ` || ${eol}`}`;
  const sep = format === 'tsv' ? 'char(9)' : excel ? `';'` : `','`;
  const cell = (s: (typeof spec)[number]): string => {
    const x = s.column;
    if (s.kind === 'int') return x;
    if (s.kind === 'money') return moneySql(x, excel);
    if (!s.freeText && opts.typed === 'unchecked') return x;
    if (format === 'tsv') return tsvText(x, s.freeText === true);
    // The quote goes inside the CSV quotes; it adds no separator, quote or line break, so quoting is decided on x.
    const guarded = (text: string) =>
      s.freeText && !rawCsv ? `CASE WHEN ${formulaStart(x)} THEN '''' || ${text} ELSE ${text} END` : text;
    return `CASE WHEN ${holdsAny(x, [sep, `'"'`, 'char(10)', 'char(13)'])}
      THEN '"' || ${guarded(`replace(${x}, '"', '""')`)} || '"' ELSE ${guarded(x)} END`;
  };
  return `concat(${[spec.map(cell).join(`, ${sep}, `), ...(eol ? [eol] : [])].join(', ')})`;
}

/**
 * How to check a layout's typed text fields in bulk, or null when it has none (or is JSON lines, which
 * escapes everything itself): `text` joins a record's typed values into one string (SQL, NULL as empty),
 * and `holdsSpecial(joined)` is true when the joined values of some records hold a character the CSV or
 * TSV rules would quote or escape in them. Checking each typed field of each record cost four function
 * calls a field, a fifth of an export, for values the backend makes itself; SQLite's instr() over the
 * joined values still cost 150 ms for a million records, JavaScript's includes() (memchr) a tenth.
 */
export function typedTextCheck(
  fields: readonly string[],
  format: RecordFormat,
  excel: boolean,
): { text: string; holdsSpecial: (joined: string) => boolean } | null {
  const typed = columnsOf(fields).filter((s) => s.kind === 'text' && !s.freeText);
  if (format === 'jsonl' || typed.length === 0) return null;
  const specials = format === 'tsv' ? ['\\', '\t', '\n', '\r'] : [excel ? ';' : ',', '"', '\n', '\r'];
  return {
    text: `concat(${typed.map((s) => s.column).join(', ')})`,
    holdsSpecial: (joined) => specials.some((c) => joined.includes(c)),
  };
}

/** True (in SQL) when the text x holds any of these characters (SQL expressions). */
function holdsAny(x: string, chars: string[]): string {
  return `(${chars.map((c) => `instr(${x}, ${c})`).join(' OR ')})`;
}

function columnsOf(fields: readonly string[]) {
  return fields.map((f) => {
    const c = Object.hasOwn(COLUMN, f) ? COLUMN[f] : undefined;
    if (!c) throw new RangeError(`unknown record field ${f}`);
    return { field: f, ...c };
  });
}

/** What an export's lines are made of (see cdrLineSql). */
export type LineLayout = Pick<ExportLayout, 'fields' | 'format' | 'excel' | 'rawCsv' | 'eol'>;

type Range = [msisdn: string, from: string, to: string];

/**
 * Call detail records read out in an export's format (see cdrLineSql): one number's records over a
 * period as one string, no JavaScript object or string per record.
 */
export class CdrLinesRepo {
  private readonly statements = new Map<string, Statement<Range, unknown>>();

  constructor(private readonly db: Db) {}

  /** A prepared statement, compiled once per SQL text; callers choose the fields, so at most 64 are kept. */
  private statement<R>(sql: string): Statement<Range, R> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= 64) this.statements.clear();
      stmt = this.db.prepare<Range, unknown>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt as Statement<Range, R>;
  }

  /**
   * A reader of one line's records in [from, to) (ISO times) in the export's format: by time, one line
   * each; null when there are none. The lines are made in a subquery ordered by the primary key, which
   * the index gives as it is (no sort), and joined in that order: an ORDER BY inside group_concat sorted
   * them again. The typed fields are written unchecked and checked in bulk along the way; the rare
   * number whose typed values would need quoting or escaping is read again with every field checked.
   *
   * Text, one number at a time, not a buffer of many: a month of one number is some 30 KB, a string
   * small enough for V8's young generation, collected by the next scavenge like any other garbage. A
   * Buffer's memory lies outside the heap and V8 collects young ones only once 32 MB of them have
   * piled up; a million records passing as buffers held the backend 30-50 MB higher (169 MB).
   */
  reader(out: LineLayout): (msisdn: string, from: string, to: string) => string | null {
    const where = 'msisdn = ? AND started_at >= ? AND started_at < ?';
    const line = (typed: 'checked' | 'unchecked') =>
      cdrLineSql(out.fields, out.format, out.excel, out.rawCsv, { typed, eol: out.eol });
    const checked = this.statement<string | null>(
      `SELECT group_concat(line, '') FROM (
         SELECT ${line('checked')} AS line FROM cdr WHERE ${where} ORDER BY started_at, seq)`,
    ).pluck();
    const check = typedTextCheck(out.fields, out.format, out.excel);
    if (!check) return (...range) => checked.get(...range) ?? null;
    const unchecked = this.statement<[string | null, string | null]>(
      `SELECT group_concat(line, ''), group_concat(typed, '') FROM (
         SELECT ${line('unchecked')} AS line, ${check.text} AS typed FROM cdr WHERE ${where}
          ORDER BY started_at, seq)`,
    ).raw();
    return (...range) => {
      const [lines, typed] = unchecked.get(...range) as [string | null, string | null];
      return typed !== null && check.holdsSpecial(typed) ? (checked.get(...range) ?? null) : lines;
    };
  }
}
