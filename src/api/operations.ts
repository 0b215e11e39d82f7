import { Type, type Static } from '@sinclair/typebox';
import { ITEM_CODES, ITEM_STATES, OPERATION_STATES, OPERATION_TYPES } from '../domain/operations.js';
import { Amount, Kopecks, Timestamp } from './common.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const OperationType = literals(OPERATION_TYPES);
export const OperationState = literals(OPERATION_STATES);
export const ItemState = literals(ITEM_STATES);

/** Which numbers an operation targets when no explicit list is given (resolved in the caller's scope). */
export const TargetFilter = Type.Object({
  group: Type.Optional(Type.String({ maxLength: 100 })),
  account: Type.Optional(Type.String({ maxLength: 50 })),
  tariff: Type.Optional(Type.String({ maxLength: 50 })),
  region: Type.Optional(Type.String({ maxLength: 10 })),
  status: Type.Optional(Type.String({ maxLength: 30 })),
  all: Type.Optional(Type.Boolean()),
});
export type TargetFilter = Static<typeof TargetFilter>;

export const Target = Type.Object({
  msisdn: Type.String({ minLength: 1, maxLength: 40 }),
  /** Per-number parameters overriding the operation's (e.g. a tariff per row of a CSV). */
  params: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 200 }))),
});
export type Target = Static<typeof Target>;

/** The most targets one request may carry; the CLI splits larger inputs into several operations. */
export const MAX_TARGETS_PER_OPERATION = 200_000;

/**
 * The parameters of an operation, by type (tariff, service, reason…). Money among them is an amount like
 * any other; the CLI sends a limit as decimal digits, the way per-row CSV values travel.
 */
export const OperationParams = Type.Unsafe<Record<string, unknown>>(
  Type.Object(
    {
      monthly: Type.Optional(
        Type.Union([
          Amount('limit.set: the monthly limit'),
          Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'The same amount as decimal digits' }),
        ]),
      ),
    },
    { additionalProperties: true },
  ),
);

export const OperationCreateBody = Type.Object({
  type: OperationType,
  params: OperationParams,
  targets: Type.Optional(Type.Array(Target, { maxItems: MAX_TARGETS_PER_OPERATION })),
  filter: Type.Optional(TargetFilter),
  scheduledAt: Type.Optional(Timestamp),
});
export type OperationCreateBody = Static<typeof OperationCreateBody>;

export const OperationCreateQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean()) });

export const Operation = Type.Object({
  id: Type.String(),
  type: OperationType,
  params: Type.Record(Type.String(), Type.Unknown()),
  state: OperationState,
  createdBy: Type.String(),
  createdAt: Timestamp,
  scheduledAt: Type.Union([Timestamp, Type.Null()]),
  startedAt: Type.Union([Timestamp, Type.Null()]),
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  total: Type.Integer(),
  queued: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  cancelled: Type.Integer(),
  monthlyDelta: Kopecks,
  fees: Kopecks,
  rollbackOf: Type.Union([Type.String(), Type.Null()]),
  parentId: Type.Union([Type.String(), Type.Null()]),
  replayed: Type.Boolean({ description: 'true when an Idempotency-Key matched an earlier request' }),
});
export type Operation = Static<typeof Operation>;

const Fields = Type.Record(Type.String(), Type.Unknown());

export const OperationItem = Type.Object({
  seq: Type.Integer(),
  msisdn: Type.String(),
  params: Type.Union([Fields, Type.Null()]),
  state: ItemState,
  code: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Fields, Type.Null()]),
  after: Type.Union([Fields, Type.Null()]),
  monthlyDelta: Type.Union([Kopecks, Type.Null()]),
  fee: Type.Union([Kopecks, Type.Null()]),
  finishedAt: Type.Union([Timestamp, Type.Null()]),
});
export type OperationItem = Static<typeof OperationItem>;

export const PlanItem = Type.Object({
  msisdn: Type.String(),
  outcome: Type.Union([Type.Literal('apply'), Type.Literal('skip'), Type.Literal('fail')]),
  code: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Fields, Type.Null()]),
  after: Type.Union([Fields, Type.Null()]),
  monthlyDelta: Kopecks,
  fee: Kopecks,
});
export type PlanItem = Static<typeof PlanItem>;

/** A dry run: what would happen, nothing stored. */
export const Plan = Type.Object({
  type: OperationType,
  params: Type.Record(Type.String(), Type.Unknown()),
  total: Type.Integer(),
  apply: Type.Integer(),
  skip: Type.Integer(),
  fail: Type.Integer(),
  monthlyDelta: Kopecks,
  fees: Kopecks,
  items: Type.Array(PlanItem),
});
export type Plan = Static<typeof Plan>;

export const OperationListQuery = Type.Object({
  state: Type.Optional(OperationState),
  type: Type.Optional(OperationType),
  since: Type.Optional(Timestamp),
});

export const OperationShowQuery = Type.Object({
  wait: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 30, description: 'Long-poll up to this many seconds' }),
  ),
});

export const ItemListQuery = Type.Object({ state: Type.Optional(ItemState) });

export const ItemCode = literals(Object.keys(ITEM_CODES) as (keyof typeof ITEM_CODES)[]);
