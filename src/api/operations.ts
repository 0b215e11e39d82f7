import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import {
  ITEM_CODES,
  ITEM_STATES,
  LIMIT_ACTIONS,
  OPERATION_STATES,
  OPERATION_TYPES,
  type OperationType as OperationKind,
} from '../domain/operations.js';
import { Amount, Kopecks, SingleLine, Timestamp } from './common.js';

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

/** A number an operation targets, with its own values when a CSV row carries them. */
function TargetOf<P extends TObject>(rowParams: P) {
  return Type.Object(
    {
      msisdn: Type.String({ minLength: 1, maxLength: 40 }),
      /** Per-number parameters overriding the operation's (e.g. a tariff per row of a CSV). */
      params: Type.Optional(rowParams),
    },
    { additionalProperties: false },
  );
}
const NoRowParams = Type.Object({}, { additionalProperties: false });
const strict = <P extends TProperties>(properties: P, description: string) =>
  Type.Object(properties, { additionalProperties: false, description });

/** The most targets one request may carry; the CLI splits larger inputs into several operations. */
export const MAX_TARGETS_PER_OPERATION = 200_000;

const Code = (description: string) => Type.String({ minLength: 1, maxLength: 50, description });
const RowText = (description: string) => Type.String({ maxLength: 200, description });
const Until = (what: string) =>
  Type.Optional(
    Type.String({
      format: 'date-time',
      description: `When to ${what} again: a follow-up operation is scheduled for that time`,
    }),
  );
const Monthly = Type.Union([
  Amount('The monthly limit'),
  Type.String({
    pattern: '^([1-9][0-9]{0,8}|1000000000)$',
    description: 'The same amount as decimal digits',
  }),
]);
const LimitAction = Type.Union(
  LIMIT_ACTIONS.map((a) => Type.Literal(a)),
  { description: 'What happens when the month passes the limit (default notify)' },
);

/**
 * The parameters of each operation type (the operation's own values) and the values a target's row may
 * carry instead. A row's values are text, as a CSV file holds them; the planner checks them per number.
 * An operation with no value of its own takes each number's from its row (a tariff change from a
 * file with a tariff column), and a number with neither fails that item, not the request.
 */
export const OPERATION_PARAMS = {
  'tariff.change': {
    params: strict({ tariff: Type.Optional(Code('The new tariff')) }, 'tariff.change'),
    row: strict({ tariff: Type.Optional(RowText("This number's new tariff")) }, 'A row of tariff.change'),
  },
  'service.add': {
    params: strict(
      { service: Type.Optional(Code('The service to add')), until: Until('remove it') },
      'service.add',
    ),
    row: strict({ service: Type.Optional(RowText('The service for this number')) }, 'A row of service.add'),
  },
  'service.remove': {
    params: strict({ service: Type.Optional(Code('The service to remove')) }, 'service.remove'),
    row: strict(
      { service: Type.Optional(RowText('The service for this number')) },
      'A row of service.remove',
    ),
  },
  'number.block': {
    params: strict(
      {
        reason: Type.Optional(
          SingleLine({ minLength: 1, maxLength: 100, description: 'Why (default other)' }),
        ),
        until: Until('unblock'),
      },
      'number.block',
    ),
    row: strict({ reason: Type.Optional(RowText('Why this number')) }, 'A row of number.block'),
  },
  'number.unblock': { params: strict({}, 'number.unblock'), row: NoRowParams },
  'sim.replace': {
    params: strict(
      {
        iccid: Type.Optional(
          Type.String({ maxLength: 40, description: 'The new SIM card (19-20 digits, Luhn)' }),
        ),
      },
      'sim.replace',
    ),
    row: NoRowParams,
  },
  'sim.order': {
    params: strict(
      {
        count: Type.Integer({ minimum: 1, maximum: 10_000, description: 'How many SIM cards' }),
        account: Type.String({
          minLength: 1,
          maxLength: 50,
          description: 'The account the new numbers join',
        }),
        tariff: Code('The tariff of the new numbers'),
        group: Type.Optional(
          Type.String({ minLength: 1, maxLength: 100, description: 'Their group (id or path)' }),
        ),
        delivery: Type.Optional(SingleLine({ maxLength: 300, description: 'Where to deliver the cards' })),
      },
      'sim.order',
    ),
    row: NoRowParams,
  },
  'number.change': {
    params: strict(
      {
        to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'The new number' })),
        pick: Type.Optional(
          Type.Boolean({ description: 'Let the operator pick a free number (the default)' }),
        ),
      },
      'number.change',
    ),
    row: NoRowParams,
  },
  'group.move': {
    params: strict(
      {
        group: Type.Optional(
          Type.String({ minLength: 1, maxLength: 100, description: 'The destination group' }),
        ),
      },
      'group.move',
    ),
    row: strict({ group: Type.Optional(RowText("This number's destination group")) }, 'A row of group.move'),
  },
  'limit.set': {
    params: strict({ monthly: Type.Optional(Monthly), action: Type.Optional(LimitAction) }, 'limit.set'),
    row: strict(
      {
        monthly: Type.Optional(RowText("This number's monthly limit")),
        action: Type.Optional(RowText('notify or block')),
      },
      'A row of limit.set',
    ),
  },
  'limit.remove': { params: strict({}, 'limit.remove'), row: NoRowParams },
} as const satisfies Record<OperationKind, { params: TObject; row: TObject }>;

type ParamsSchemas = typeof OPERATION_PARAMS;
/** An operation type's own parameters. */
export type OperationParamsOf<T extends OperationKind> = Static<ParamsSchemas[T]['params']>;
/** The values one target's row may carry for an operation type. */
export type RowParamsOf<T extends OperationKind> = Static<ParamsSchemas[T]['row']>;

/** The body that creates an operation of one type. */
function CreateBodyOf<T extends OperationKind>(type: T) {
  const { params, row } = OPERATION_PARAMS[type] as ParamsSchemas[T];
  return Type.Object(
    {
      type: Type.Literal(type),
      params: params as ParamsSchemas[T]['params'],
      targets: Type.Optional(
        Type.Array(TargetOf(row as ParamsSchemas[T]['row']), { maxItems: MAX_TARGETS_PER_OPERATION }),
      ),
      filter: Type.Optional(TargetFilter),
      scheduledAt: Type.Optional(Timestamp),
    },
    { additionalProperties: false, title: `OperationCreate.${type}` },
  );
}

const createBodies = Type.Union([
  CreateBodyOf('tariff.change'),
  CreateBodyOf('service.add'),
  CreateBodyOf('service.remove'),
  CreateBodyOf('number.block'),
  CreateBodyOf('number.unblock'),
  CreateBodyOf('sim.replace'),
  CreateBodyOf('sim.order'),
  CreateBodyOf('number.change'),
  CreateBodyOf('group.move'),
  CreateBodyOf('limit.set'),
  CreateBodyOf('limit.remove'),
]);

/**
 * What creates an operation: one body shape per `type` (a discriminated union), so a validator
 * reports the errors of the type asked for, not of all eleven.
 */
export const OperationCreateBody = Type.Unsafe<Static<typeof createBodies>>({
  type: 'object',
  oneOf: createBodies.anyOf,
  discriminator: { propertyName: 'type' },
});
export type OperationCreateBody = Static<typeof createBodies>;
/** The body of one operation type. */
export type OperationCreateBodyOf<T extends OperationKind> = Extract<OperationCreateBody, { type: T }>;
/** A target of any type: a number and, maybe, its row's values. */
export type Target = { msisdn: string; params?: Record<string, string> };

export const OperationCreateQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean()) });

/**
 * The targets' own values of one parameter (a CSV's per-row column): how many targets carry one, and the
 * most common values with their counts (counted among the first 1,000 different values).
 */
export const RowValues = Type.Object({
  name: Type.String({ description: 'The parameter, e.g. tariff' }),
  count: Type.Integer({ description: 'Targets with a value of their own' }),
  values: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }), {
    maxItems: 10,
    description: 'The most common values, most common first',
  }),
});
export type RowValues = Static<typeof RowValues>;

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
  rowValues: Type.Array(RowValues, {
    description:
      "Values of the targets' own (per-row columns) overriding params, by parameter; empty when none has any",
  }),
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
  employee: Type.Union([Type.String(), Type.Null()], {
    description:
      "Who uses the number, for a person reading the plan; null for a number not found or a SIM order's card",
  }),
  outcome: Type.Union([Type.Literal('apply'), Type.Literal('skip'), Type.Literal('fail')]),
  code: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Fields, Type.Null()]),
  after: Type.Union([Fields, Type.Null()]),
  monthlyDelta: Kopecks,
  fee: Kopecks,
});
export type PlanItem = Static<typeof PlanItem>;

/** What a dry run adds up to: the counts per outcome, the change of the monthly bill and the one-time fees. */
export const PlanSummary = Type.Object({
  type: OperationType,
  params: Type.Record(Type.String(), Type.Unknown()),
  total: Type.Integer(),
  apply: Type.Integer(),
  skip: Type.Integer(),
  fail: Type.Integer(),
  monthlyDelta: Kopecks,
  fees: Kopecks,
});
export type PlanSummary = Static<typeof PlanSummary>;

/** A dry run: what would happen, nothing stored. */
export const Plan = Type.Composite([PlanSummary, Type.Object({ items: Type.Array(PlanItem) })]);
export type Plan = Static<typeof Plan>;

/**
 * The last line of a streamed plan (POST /v1/operations/plan): the summary. A stream that ends without it
 * was cut off, and its items are not the whole plan.
 */
export const PlanEnd = Type.Object({ summary: PlanSummary });
export type PlanEnd = Static<typeof PlanEnd>;

/** One line of a streamed plan: an item, in target order, or the closing summary. */
export const PlanLine = Type.Union([PlanItem, PlanEnd]);
export type PlanLine = Static<typeof PlanLine>;

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
