import { ApiError } from '../../api/errors.js';

/** Cursors are opaque to clients: base64url of the last key of the previous page. */
export function encodeCursor(key: string | number): string {
  return Buffer.from(String(key), 'utf8').toString('base64url');
}

/** The key a cursor carries; a cursor that was not made by `encodeCursor` is a 400. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key === '' || encodeCursor(key) !== cursor) {
    throw new ApiError('validation_failed', 'The cursor is not valid; start again without one', {
      reason: 'cursor_invalid',
    });
  }
  return key;
}

/** Like `decodeCursor` for integer keys. */
export function decodeIntCursor(cursor: string | undefined): number | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  if (!/^\d+$/.test(key))
    throw new ApiError('validation_failed', 'The cursor is not valid; start again without one', {
      reason: 'cursor_invalid',
    });
  return Number(key);
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
 * `keyOf` gives the cursor key of the last row returned.
 */
export function pageOf<T, R = T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string | number,
  view: (row: T) => R = (r) => r as unknown as R,
): { data: R[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data: data.map(view), nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** Pages over an in-memory, already ordered list (small catalogs). */
export function pageOfList<T>(
  all: T[],
  limit: number,
  cursor: string | undefined,
  keyOf: (row: T) => string,
): {
  data: T[];
  nextCursor: string | null;
} {
  const after = decodeCursor(cursor);
  const start = after === undefined ? 0 : all.findIndex((r) => keyOf(r) === after) + 1;
  if (after !== undefined && start === 0)
    throw new ApiError('validation_failed', 'The cursor is not valid', { reason: 'cursor_invalid' });
  return pageOf(all.slice(start, start + limit + 1), limit, keyOf);
}
