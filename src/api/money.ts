import { Type, type Static } from '@sinclair/typebox';
import { Amount, Kopecks, Timestamp } from './common.js';

export const PaymentBody = Type.Object({
  account: Type.String({ minLength: 1, maxLength: 50 }),
  amount: Amount('The payment'),
  from: Type.Optional(
    Type.String({ minLength: 1, maxLength: 50, description: 'Another account of the company: a transfer' }),
  ),
});
export type PaymentBody = Static<typeof PaymentBody>;

export const Payment = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  accountId: Type.String(),
  fromAccountId: Type.Union([Type.String(), Type.Null()]),
  amount: Kopecks,
  kind: Type.Union([Type.Literal('top_up'), Type.Literal('transfer'), Type.Literal('autopay')]),
  actor: Type.String(),
  balanceAfter: Type.Optional(Kopecks),
});
export type Payment = Static<typeof Payment>;

export const PaymentListQuery = Type.Object({ account: Type.Optional(Type.String({ maxLength: 50 })) });

export const AutopayBody = Type.Object({
  account: Type.String({ minLength: 1, maxLength: 50 }),
  below: Amount('Top up when the balance falls below this'),
  amount: Amount('By this much'),
});
export type AutopayBody = Static<typeof AutopayBody>;

export const Autopay = Type.Object({
  accountId: Type.String(),
  below: Kopecks,
  amount: Kopecks,
  updatedAt: Timestamp,
  updatedBy: Type.String(),
});
export type Autopay = Static<typeof Autopay>;

export const AccountParam = Type.Object({ account: Type.String({ minLength: 1, maxLength: 50 }) });
