/** A catalog entry (a tariff or a service) as a code typed by a person may name it. */
export interface CatalogEntry {
  code: string;
  name: string;
}

/** Cyrillic capitals that look like Latin ones: a code typed on a Russian keyboard layout. */
const LOOKALIKES: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
};

/** Russian letters as they sound in Latin ones: a code written in Russian (СМАРТ for SMART). */
const SOUNDS: Record<string, string> = {
  А: 'A',
  Б: 'B',
  В: 'V',
  Г: 'G',
  Д: 'D',
  Е: 'E',
  Ё: 'E',
  Ж: 'ZH',
  З: 'Z',
  И: 'I',
  Й: 'I',
  К: 'K',
  Л: 'L',
  М: 'M',
  Н: 'N',
  О: 'O',
  П: 'P',
  Р: 'R',
  С: 'S',
  Т: 'T',
  У: 'U',
  Ф: 'F',
  Х: 'H',
  Ц: 'TS',
  Ч: 'CH',
  Ш: 'SH',
  Щ: 'SCH',
  Ъ: '',
  Ы: 'Y',
  Ь: '',
  Э: 'E',
  Ю: 'YU',
  Я: 'YA',
};

/** Upper case, with each run of spaces, dashes, dots and underscores one underscore: `smart plus` → SMART_PLUS. */
function shape(text: string): string {
  return text
    .trim()
    .toUpperCase()
    .replace(/[\s\-_.]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const mapLetters = (text: string, table: Record<string, string>) =>
  [...text].map((c) => table[c] ?? c).join('');

/** The catalog's code when `text` is one, case and surrounding spaces aside (the backend's own reading). */
export function catalogCode(text: string, entries: readonly CatalogEntry[]): string | undefined {
  const upper = text.trim().toUpperCase();
  return entries.find((e) => e.code === upper)?.code;
}

/**
 * The code a mistyped one most likely meant: the same code or name spelled with other case, spaces,
 * dashes or underscores (`smart plus`, `Smart-Plus`), with Cyrillic look-alike letters (`SМАRT` with a
 * Russian М and А), written in Russian letters (`СМАРТ`), or a letter or two off (`SMAR`); undefined when
 * nothing is that close.
 */
export function closestCode(text: string, entries: readonly CatalogEntry[]): string | undefined {
  const typed = shape(text);
  const forms = [...new Set([typed, mapLetters(typed, LOOKALIKES), mapLetters(typed, SOUNDS)])];
  let best: { code: string; distance: number } | undefined;
  for (const entry of entries) {
    for (const target of new Set([shape(entry.code), shape(entry.name)])) {
      // Up to a third of the letters off, and at least one: `SMAR` is SMART, `MMS` is not VPN_APN.
      const allowed = Math.max(1, Math.floor(target.length / 3));
      for (const form of forms) {
        const distance = editDistance(form, target, allowed);
        if (distance <= allowed && (!best || distance < best.distance)) best = { code: entry.code, distance };
      }
    }
  }
  return best?.code;
}

/**
 * Letters to add, drop, change or swap with a neighbour to turn `a` into `b` (optimal string alignment);
 * anything over `max` is reported as max + 1.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length] as number, max + 1);
}
