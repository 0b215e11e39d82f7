import { Type, type StringOptions, type TSchema, type Static } from '@sinclair/typebox';
import { MAX_AMOUNT } from '../domain/money.js';
import { MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN } from '../domain/plain-text.js';

/** Money is always an integer number of kopecks (like Stripe's minor units). */
export const Kopecks = Type.Integer({ description: 'Money in kopecks (1 RUB = 100)' });

/**
 * An amount a request names (a payment, an autopay threshold or top-up, a spending limit): whole kopecks
 * from 1 to 1,000,000,000 (10,000,000 RUB). A JSON number: `true`, `"100"` or `1.5` are not amounts.
 */
export function Amount(what: string) {
  return Type.Integer({
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: `${what}, in kopecks: 1 to ${MAX_AMOUNT} (10,000,000 RUB)`,
  });
}

/** One line of free text (a name, a subject): no control characters (CR, LF, ESC…), no bidi controls. */
export function SingleLine(opts: StringOptions = {}) {
  return Type.String({ ...opts, pattern: SINGLE_LINE_PATTERN });
}

/** Free text of several lines (an appeal's message): LF, CRLF and TAB, but no other control character. */
export function MultiLine(opts: StringOptions = {}) {
  return Type.String({ ...opts, pattern: MULTI_LINE_PATTERN });
}

/** An E.164 phone number, e.g. +79161234567. */
export const MsisdnString = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 number' });

/** ISO-8601 UTC timestamp. */
export const Timestamp = Type.String({ format: 'date-time' });

/** The paging query every list route accepts. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type PageQuery = Static<typeof PageQuery>;

/** A page of a list: the rows and the cursor of the next page (null on the last page). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      requestId: Type.String(),
    }),
  },
  { $id: 'Error' },
);

export const Empty = Type.Object({});
export const Ok = Type.Object({ ok: Type.Literal(true) });

/**
 * The `Idempotency-Key` request header: 1–200 printable ASCII characters (spaces allowed inside),
 * chosen by the client per change. The first request with a key is stored with what it created, for as
 * long as that exists; the same key with the same body answers the same result, with another body 409
 * `idempotency_conflict`. Keys belong to the caller: two users never collide.
 */
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x20-\\x7e]*[\\x21-\\x7e][\\x20-\\x7e]*$',
  description:
    '1–200 printable ASCII characters, chosen by the client per change. The same key with the same body ' +
    'answers the first result again (replayed: true) and changes nothing; with another body, 409 ' +
    'idempotency_conflict. Keys are per caller and kept with what they created.',
});
