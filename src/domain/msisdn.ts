import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** A phone number in E.164 form (+79161234567). Only `parseMsisdn` makes one. */
export type Msisdn = string & { readonly __brand: 'Msisdn' };

/** Why a text is not a phone number; `hint` says what to do about it. */
export class MsisdnError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'MsisdnError';
  constructor(
    readonly input: string,
    readonly reason: 'empty' | 'excel_exponent' | 'invalid',
  ) {
    super(
      reason === 'excel_exponent'
        ? `"${input}" is a number Excel shortened to exponent form; format the column as text and export again`
        : reason === 'empty'
          ? 'empty phone number'
          : `"${input}" is not a valid phone number`,
    );
  }
}

const SEPARATORS = /[\s\-().\u00a0\u202f]/g;
const EXCEL_EXPONENT = /^\d+([.,]\d+)?e\+?\d+$/i;

/**
 * Normalizes any common spelling of a number — `8 (916) 123-45-67`, `+7 916 123 45 67`,
 * `79161234567`, `9161234567` — to E.164. Russian numbers take a fast path (no metadata
 * lookup), so million-line files stay cheap; other countries need a leading `+`.
 */
export function parseMsisdn(text: string): Msisdn {
  const input = text.trim();
  if (input === '') throw new MsisdnError(text, 'empty');
  if (EXCEL_EXPONENT.test(input)) throw new MsisdnError(input, 'excel_exponent');
  const compact = input.replace(SEPARATORS, '');
  if (/^\+?\d+$/.test(compact)) {
    const digits = compact.startsWith('+') ? compact.slice(1) : compact;
    const russian = russianNational(digits, compact.startsWith('+'));
    if (russian !== null) {
      if (/^[3489]\d{9}$/.test(russian)) return `+7${russian}` as Msisdn;
      throw new MsisdnError(input, 'invalid');
    }
  }
  // Only digits, a leading + and separators: libphonenumber would otherwise read letters as an extension.
  if (!/^\+?[\d\s\-().\u00a0\u202f]+$/.test(input)) throw new MsisdnError(input, 'invalid');
  const parsed = parsePhoneNumberFromString(input, 'RU');
  if (!parsed || !parsed.isValid()) throw new MsisdnError(input, 'invalid');
  return parsed.number as Msisdn;
}

/** The 10-digit national part if `digits` is a Russian number, null if it is some other country. */
function russianNational(digits: string, plus: boolean): string | null {
  if (plus) return digits.startsWith('7') ? digits.slice(1) : null;
  if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8'))) return digits.slice(1);
  if (digits.length === 10) return digits;
  return digits.length < 10 ? digits : null;
}

/** Like `parseMsisdn`, but returns null instead of throwing. */
export function tryParseMsisdn(text: string): Msisdn | null {
  try {
    return parseMsisdn(text);
  } catch {
    return null;
  }
}

/** `+79161234567` → `+7 916 123-45-67` for people; other countries stay E.164. */
export function formatMsisdn(msisdn: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(msisdn);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : msisdn;
}
