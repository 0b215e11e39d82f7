/**
 * Money is a whole number of kopecks. Parsing and formatting work on the digit strings so that no
 * amount ever passes through a binary fraction (0.1 + 0.2 is not a price).
 */

/** An amount of money in kopecks (1 ruble = 100 kopecks); only `kopecks()` and `parseMoney()` make one. */
export type Kopecks = number & { readonly __brand: 'Kopecks' };

/** Brands `n` as kopecks; throws a RangeError unless it is a safe integer. */
export function kopecks(n: number): Kopecks {
  assertKopecks(n);
  // -0 would print as "-0.00" in some paths; there is no negative zero money.
  return (n === 0 ? 0 : n) as Kopecks;
}

/**
 * The largest amount one request may name — a payment, an autopay threshold or top-up, a spending
 * limit: 10,000,000 ₽. A business bound, far below where sums of amounts stop being exact in a double.
 */
export const MAX_AMOUNT = 1_000_000_000;

/**
 * An amount parameter of an operation (e.g. a limit's `monthly`): whole kopecks from 1 to MAX_AMOUNT,
 * as a JSON number or as plain decimal digits (per-row CSV values travel as text). Anything else —
 * `true`, `" 100 "`, `1e3`, `0x10`, `1.5` — is undefined.
 */
export function amountParam(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_AMOUNT ? n : undefined;
}

/** Thrown by `parseMoney` for text that is not an amount of money; `input` is the text as given. */
export class MoneyParseError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'MoneyParseError';
  constructor(public readonly input: string) {
    super(`Not an amount of money: ${JSON.stringify(input)}`);
    this.name = 'MoneyParseError';
  }
}

// Longer input is never a sensible amount; the cap also keeps the regexps below linear in practice.
const MAX_INPUT_LENGTH = 64;

const CURRENCY = '₽|rub|руб\\.?';
const AMOUNT = new RegExp(
  `^(?<sign1>[-\u2212])?\\s*(?:(?<pre>${CURRENCY})\\s*)?(?<sign2>[-\u2212])?\\s*` +
    `(?<num>\\d(?:[\\d \u00A0\u202F.,]*\\d)?)\\s*(?<post>${CURRENCY})?$`,
  'iu',
);

/**
 * The accepted spellings of the number itself. Group 1 is the whole rubles (with separators),
 * group 2 the kopecks. `1,500` alone is refused: it is 1500 in English and 1.5 in Russian.
 */
const NUMBER_FORMS: RegExp[] = [
  /^(\d+)(?:[.,](\d{1,2}))?$/, // 1500, 1500.00, 1500,5
  /^(\d{1,3}(?:[ \u00A0\u202F]\d{3})+)(?:[.,](\d{1,2}))?$/, // 1 500,00 (space, NBSP, narrow NBSP)
  /^(\d{1,3}(?:,\d{3})+)\.(\d{1,2})$/, // 1,500.00
  /^(\d{1,3}(?:,\d{3}){2,})()$/, // 1,234,567 (two or more groups cannot be a decimal comma)
];

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Parses `1500`, `1 500,50`, `1,500.00`, `-20.10`, `RUB 5`, `5 ₽`, `5 руб.` into kopecks; throws MoneyParseError. */
export function parseMoney(text: string): Kopecks {
  if (text.length > MAX_INPUT_LENGTH) throw new MoneyParseError(text);
  const m = AMOUNT.exec(text.trim());
  const g = m?.groups;
  if (!g || (g.sign1 && g.sign2) || (g.pre && g.post)) throw new MoneyParseError(text);
  const negative = Boolean(g.sign1 || g.sign2);

  for (const form of NUMBER_FORMS) {
    const parts = form.exec(g.num);
    if (!parts) continue;
    const rubles = parts[1].replace(/\D/g, '');
    const kop = (parts[2] ?? '').padEnd(2, '0');
    const total = BigInt(rubles) * 100n + BigInt(kop);
    if (total > MAX) throw new MoneyParseError(text);
    const n = Number(total);
    return kopecks(negative ? -n : n);
  }
  throw new MoneyParseError(text);
}

/** Formats kopecks for people: ru `1 234,50 ₽` (U+00A0 between thousands), en `RUB 1,234.50`. */
export function formatMoney(k: number, lang: 'en' | 'ru'): string {
  const { negative, rubles, kop } = splitKopecks(k);
  const sign = negative ? '-' : '';
  if (lang === 'ru') return `${sign}${groupThousands(rubles, '\u00A0')},${kop} ₽`;
  return `${sign}RUB ${groupThousands(rubles, ',')}.${kop}`;
}

/** Formats kopecks for machines (CSV/TSV): decimal rubles with a dot and no grouping, e.g. `1234.50`, `-0.05`. */
export function formatMoneyPlain(k: number): string {
  const { negative, rubles, kop } = splitKopecks(k);
  return `${negative ? '-' : ''}${rubles}.${kop}`;
}

function assertKopecks(n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Not a whole number of kopecks: ${n}`);
}

function splitKopecks(k: number): { negative: boolean; rubles: string; kop: string } {
  assertKopecks(k);
  // String() of a safe integer never uses exponent notation.
  const digits = String(Math.abs(k)).padStart(3, '0');
  return { negative: k < 0, rubles: digits.slice(0, -2), kop: digits.slice(-2) };
}

function groupThousands(digits: string, separator: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}
