/**
 * Characters that change how text is shown rather than what it says: C0 controls (NUL…US, incl. TAB, LF,
 * CR, ESC), DEL and the C1 controls (U+0080–U+009F, incl. CSI U+009B), the bidi marks U+061C, U+200E,
 * U+200F, the line and paragraph separators U+2028/U+2029, the bidi embeddings and overrides
 * U+202A–U+202E and the isolates U+2066–U+2069. A name holding one can repaint a terminal or read
 * backwards in an SMS. (The escapes of a regexp character class, as text.)
 */
export const CONTROL_CHARACTERS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
/** The same without TAB and LF (CR is left out too: it is allowed only right before LF). */
const MULTI_LINE_CONTROL_RANGES =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';

/** A JSON Schema pattern (Ajv compiles it with the `u` flag): one line of text without control characters. */
export const SINGLE_LINE_PATTERN = `^[^${CONTROL_CHARACTERS}]*$`;

/** A JSON Schema pattern: text that may hold LF, TAB and CRLF, but no other control character. */
export const MULTI_LINE_PATTERN = `^(?:[^${MULTI_LINE_CONTROL_RANGES}]|\\r\\n)*$`;

const CONTROL = new RegExp(`\\r\\n|[${CONTROL_CHARACTERS}]`, 'gu');
const SPACE_LIKE = new Set(['\r\n', '\t', '\n', '\v', '\f', '\r', '\u2028', '\u2029']);

/**
 * Text safe to put into an SMS or e-mail line: line breaks and tabs become a space, every other control
 * character becomes a visible `\uXXXX`, so whatever a stored name held shows up instead of acting.
 */
export function plainText(text: string): string {
  return text.replace(CONTROL, (c) =>
    SPACE_LIKE.has(c) ? ' ' : `\\u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}
