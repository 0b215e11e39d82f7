/** Luhn check digit of a digit string (the check digit itself not included). */
export function luhnCheckDigit(digitsWithoutCheck: string): string {
  let sum = 0;
  let double = true; // the rightmost payload digit is doubled
  for (let i = digitsWithoutCheck.length - 1; i >= 0; i--) {
    const c = digitsWithoutCheck.charCodeAt(i) - 48;
    if (c < 0 || c > 9) throw new Error(`luhnCheckDigit: not a digit string: "${digitsWithoutCheck}"`);
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** True if `digits` is a digit string (at least 2 long) whose last digit is its Luhn check digit. */
export function isValidLuhn(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

/** An ICCID (SIM card number): 19 or 20 digits whose last digit is the Luhn check digit. */
export function isValidIccid(text: string): boolean {
  return /^[0-9]{19,20}$/.test(text) && isValidLuhn(text);
}
