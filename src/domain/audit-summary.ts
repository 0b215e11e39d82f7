/**
 * The audit log is append-only: whatever goes in stays. A row keeps a bounded summary of a request's
 * parameters, so no caller — refused or not — can make one row large.
 */

/** The most characters kept of one string value (and of the actor, action and target). */
export const AUDIT_VALUE_CHARS = 256;
/** The most bytes of one row's params, as JSON (the truncation note included). */
export const AUDIT_PARAMS_BYTES = 4096;
/** Arrays keep their first items, objects their first keys, down to this depth. */
const MAX_ITEMS = 20;
const MAX_KEYS = 50;
const MAX_DEPTH = 4;
const MAX_KEY_CHARS = 64;

/** Set on a summary that left something out. */
export const TRUNCATED = '_truncated';
const NOTE_BYTES = `,"${TRUNCATED}":true`.length;

/**
 * The params of an audit row: strings cut to AUDIT_VALUE_CHARS (with `…`), lists and objects to their
 * first items, nesting to a few levels, and top-level keys kept in order while the JSON stays within
 * AUDIT_PARAMS_BYTES. Anything left out sets `_truncated: true`. Small params come back unchanged.
 */
export function auditSummary(params: Record<string, unknown>): Record<string, unknown> {
  const cut = { any: false };
  const out: Record<string, unknown> = {};
  let bytes = 2; // {}
  let keys = 0;
  for (const key in params) {
    if (!Object.hasOwn(params, key)) continue;
    if (++keys > MAX_KEYS) {
      cut.any = true;
      break;
    }
    const name = shorten(key, MAX_KEY_CHARS, cut);
    const value = bound(params[key], 1, cut);
    if (value === undefined) continue;
    const entry = utf8Bytes(`${JSON.stringify(name)}:${JSON.stringify(value)}`) + (bytes > 2 ? 1 : 0);
    if (bytes + entry + NOTE_BYTES > AUDIT_PARAMS_BYTES) {
      cut.any = true;
      continue;
    }
    out[name] = value;
    bytes += entry;
  }
  if (cut.any) out[TRUNCATED] = true;
  return out;
}

/** A short text for the actor, action or target columns: cut like a value, without the flag. */
export function auditText(text: string): string {
  return shorten(text, AUDIT_VALUE_CHARS, { any: false });
}

function bound(value: unknown, depth: number, cut: { any: boolean }): unknown {
  if (typeof value === 'string') return shorten(value, AUDIT_VALUE_CHARS, cut);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) {
    cut.any = true;
    return Array.isArray(value) ? '[…]' : '{…}';
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ITEMS) cut.any = true;
    return value.slice(0, MAX_ITEMS).map((v) => bound(v, depth + 1, cut) ?? null);
  }
  const out: Record<string, unknown> = {};
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++keys > MAX_KEYS) {
      cut.any = true;
      break;
    }
    const v = bound((value as Record<string, unknown>)[key], depth + 1, cut);
    if (v !== undefined) out[shorten(key, MAX_KEY_CHARS, cut)] = v;
  }
  return out;
}

function shorten(text: string, max: number, cut: { any: boolean }): string {
  if (text.length <= max) return text;
  cut.any = true;
  let head = text.slice(0, max);
  // Never end on half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}…`;
}

/** The UTF-8 size of a string (SQLite stores text as UTF-8): a surrogate pair counts 2 + 2. */
function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n;
}
