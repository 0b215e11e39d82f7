import type { Translate } from '../i18n/index.js';
import { TargetsInputError } from './input-error.js';

const DELIMITERS = ['\t', ';', ','] as const;
const BLANK_LINE = /^[\s,;]*$/;

/**
 * The text of the first non-blank line (a quoted field may carry it over several lines), or null when
 * `text` does not hold all of it yet and more may come (`complete` is false).
 */
export function firstRecord(text: string, complete: boolean): string | null {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      const line = text.slice(start, i);
      if (!BLANK_LINE.test(line)) return line;
      start = i + 1;
    }
  }
  const rest = text.slice(start);
  return complete ? rest : null;
}

/** The delimiter most frequent outside quotes in the header line, or null for a one-column list. */
export function detectDelimiter(line: string): string | null {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  // On a tie tab beats ';' beats ',': commas turn up unquoted inside values (decimal commas) more often.
  let best: string | null = null;
  for (const d of DELIMITERS)
    if ((counts.get(d) ?? 0) > (best === null ? 0 : (counts.get(best) ?? 0))) best = d;
  return best;
}

/** A header cell as compared: BOM dropped, trimmed, lower-cased, inner spaces collapsed. */
export function normalizeHeader(cell: string): string {
  return cell
    .replace(/\ufeff/g, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

const NUMBER_HEADERS = new Set([
  'msisdn',
  'number',
  'phone',
  'phone number',
  'номер',
  'телефон',
  'номер телефона',
  'абонентский номер',
]);

/** 3: a number header exactly; 2: mentions msisdn/phone/телефон; 1: mentions number/номер; 0: none. */
function numberHeaderScore(cell: string): number {
  const h = normalizeHeader(cell);
  if (NUMBER_HEADERS.has(h)) return 3;
  if (/msisdn|phone|телефон/.test(h)) return 2;
  if (/number|номер/.test(h)) return 1;
  return 0;
}

/** The index of the column whose header names the phone number best (the first on a tie), or -1. */
export function findNumberColumn(header: string[]): number {
  let best = -1;
  let bestScore = 0;
  header.forEach((cell, i) => {
    const score = numberHeaderScore(cell);
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

const PARAM_ALIASES: Record<string, string> = {
  тариф: 'tariff',
  услуга: 'service',
  время: 'at',
  когда: 'at',
  группа: 'group',
  причина: 'reason',
};

/** The per-row parameter a header cell names: lower-cased, Russian names mapped to the English ones. */
export function paramName(cell: string): string {
  const h = normalizeHeader(cell);
  return PARAM_ALIASES[h] ?? h;
}

/**
 * Whether a cell is an attempt at a phone number (digits and separators, maybe Excel's exponent), so a
 * first line like `8916123` is read as a bad row rather than taken for a header.
 */
export function looksLikeNumber(cell: string): boolean {
  const s = cell.trim();
  return /\d/.test(s) && /^[\d\s+\-().,eE\u00a0\u202f]+$/.test(s);
}

/** Where a file keeps its numbers and per-row parameters. */
export interface Layout {
  hasHeader: boolean;
  numberColumn: number;
  params: { column: number; name: string }[];
}

/**
 * Reads the first non-blank record: is it a header, which column holds the number (by header name or
 * `--column NAME|N`), which columns carry the parameters in `paramColumns`. Throws TargetsInputError
 * for an unknown `--column` or a multi-column file with no recognizable number column.
 */
export function planLayout(
  first: string[],
  singleColumn: boolean,
  source: string,
  column: string | undefined,
  paramColumns: string[],
  t: Translate,
): Layout {
  const shown = first.map((c) => c.replace(/\ufeff/g, '')).join(', ');
  let numberColumn: number;
  let hasHeader: boolean;
  const wanted = column?.trim();
  if (wanted !== undefined && wanted !== '') {
    if (/^\d+$/.test(wanted)) {
      numberColumn = Number(wanted) - 1;
      if (numberColumn < 0 || numberColumn >= first.length) {
        throw new TargetsInputError(
          t(first.length === 1 ? 'input.columnOutOfRangeOne' : 'input.columnOutOfRange', {
            file: source,
            column: wanted,
            count: first.length,
          }),
        );
      }
      hasHeader = !looksLikeNumber(first[numberColumn] ?? '');
    } else {
      numberColumn = first.findIndex((cell) => normalizeHeader(cell) === normalizeHeader(wanted));
      if (numberColumn < 0)
        throw new TargetsInputError(t('input.noColumn', { file: source, column: wanted, header: shown }));
      hasHeader = true;
    }
  } else {
    numberColumn = findNumberColumn(first);
    hasHeader = numberColumn >= 0;
    if (!hasHeader) {
      numberColumn = 0;
      // A one-column list may have any header word; a row that is an attempt at a number is data.
      if (singleColumn) hasHeader = !looksLikeNumber(first[0] ?? '');
      else if (!looksLikeNumber(first[0] ?? '')) {
        throw new TargetsInputError(t('input.noNumberColumn', { file: source, header: shown }));
      }
    }
  }
  const wantedParams = new Set(paramColumns.map((p) => p.trim().toLowerCase()));
  const params: Layout['params'] = [];
  if (hasHeader) {
    first.forEach((cell, i) => {
      const name = paramName(cell);
      if (i !== numberColumn && name !== '' && wantedParams.has(name)) params.push({ column: i, name });
    });
  }
  return { hasHeader, numberColumn, params };
}
