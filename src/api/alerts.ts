import { Type, type Static } from '@sinclair/typebox';
import { ALERT_ACTIONS, ALERT_CHANNELS, ALERT_METRICS, ALERT_PERIODS } from '../domain/alerts.js';
import { Timestamp } from './common.js';

const Metric = Type.Union(
  ALERT_METRICS.map((m) => Type.Literal(m)),
  {
    description:
      'spend: charges (kopecks); data: MB; minutes: call minutes; sms: messages (roaming included)',
  },
);
const Period = (opts: { default?: string } = {}) =>
  Type.Union(
    ALERT_PERIODS.map((p) => Type.Literal(p)),
    { description: "month: the line's billing period; day: one day (UTC)", ...opts },
  );
const Action = (opts: { default?: string } = {}) =>
  Type.Union(
    ALERT_ACTIONS.map((a) => Type.Literal(a)),
    {
      description: 'notify: the outbox and the event; block: also block the number (reason alert_threshold)',
      ...opts,
    },
  );
const Channel = Type.Union(ALERT_CHANNELS.map((c) => Type.Literal(c)));
const Threshold = Type.Integer({
  minimum: 1,
  maximum: 1_000_000_000,
  description:
    'With ofLimit, a percentage: of the spending limit for spend (1–99; 100% is the limit itself), of the tariff allowance for the others (1–1000). ' +
    'Otherwise the value in the metric unit: kopecks, MB, minutes or SMS',
});
const OfLimit = (opts: { default?: boolean } = {}) =>
  Type.Boolean({
    description:
      "The threshold is a percentage of the limit (spend: the number's own, else its group's) or of the tariff allowance; only per month",
    ...opts,
  });
const RuleId = Type.String({ pattern: '^al_[0-9]{1,15}$', description: 'An alert rule, al_N' });
const NumberList = Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100_000 });

/** An alert rule: a threshold on a metric over a period, set on a number or a group (its whole subtree). */
export const AlertRule = Type.Object({
  id: RuleId,
  msisdn: Type.Union([Type.String(), Type.Null()], {
    description: 'The number it is set on; null for a group rule',
  }),
  groupId: Type.Union([Type.String(), Type.Null()], {
    description: 'The group it is set on (its numbers and subgroups inherit it); null for a number rule',
  }),
  groupName: Type.Union([Type.String(), Type.Null()]),
  metric: Metric,
  period: Period(),
  threshold: Type.Integer(),
  ofLimit: Type.Boolean(),
  action: Action(),
  notify: Type.Array(Channel, { description: 'email: the setter; sms: the line; webhook: the event alone' }),
  setAt: Timestamp,
  setBy: Type.String(),
});
export type AlertRule = Static<typeof AlertRule>;

/** Filters of GET /v1/alerts. */
export const AlertListQuery = Type.Object({
  number: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'The rules in effect for this number: its own and those it inherits from its groups',
    }),
  ),
  group: Type.Optional(
    Type.String({ maxLength: 200, description: 'Rules on this group, its subgroups and their numbers' }),
  ),
  metric: Type.Optional(Metric),
});
export type AlertListQuery = Static<typeof AlertListQuery>;

/** Sets one rule on numbers or on a group; the same key (metric, period, threshold, ofLimit) again replaces it. */
export const AlertSetBody = Type.Object({
  numbers: Type.Optional(NumberList),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Group id or name' })),
  metric: Metric,
  period: Type.Optional(Period({ default: 'month' })),
  threshold: Threshold,
  ofLimit: Type.Optional(OfLimit({ default: false })),
  action: Type.Optional(Action({ default: 'notify' })),
  notify: Type.Optional(
    Type.Array(Channel, { minItems: 1, uniqueItems: true, description: 'Default: email (to the setter)' }),
  ),
});
export type AlertSetBody = Static<typeof AlertSetBody>;

export const AlertSetQuery = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({ description: 'Check everything and say what would change; store nothing' }),
  ),
});

/** What a set did (or would do, in a dry run). */
export const AlertSetResult = Type.Object({
  dryRun: Type.Boolean(),
  metric: Metric,
  period: Period(),
  threshold: Type.Integer(),
  ofLimit: Type.Boolean(),
  action: Action(),
  notify: Type.Array(Channel),
  targets: Type.Integer({ description: 'Numbers (or 1 for a group) the rule is set on' }),
  created: Type.Integer({ description: 'Targets that had no rule of this key' }),
  replaced: Type.Integer({ description: 'Targets whose rule of this key was replaced (its id kept)' }),
  ids: Type.Array(RuleId, { description: "The rules' ids in the targets' order; empty in a dry run" }),
});
export type AlertSetResult = Static<typeof AlertSetResult>;

/** Removes rules by id, or the rule of one key from numbers or a group. */
export const AlertRemoveBody = Type.Object({
  ids: Type.Optional(Type.Array(RuleId, { minItems: 1, maxItems: 10_000, uniqueItems: true })),
  numbers: Type.Optional(NumberList),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  metric: Type.Optional(Metric),
  period: Type.Optional(Period({ default: 'month' })),
  threshold: Type.Optional(Threshold),
  ofLimit: Type.Optional(OfLimit({ default: false })),
});
export type AlertRemoveBody = Static<typeof AlertRemoveBody>;

export const AlertRemoveResult = Type.Object({
  removed: Type.Integer(),
  ids: Type.Array(RuleId, { description: 'The rules removed' }),
});
export type AlertRemoveResult = Static<typeof AlertRemoveResult>;

/** A threshold on a line's (or group's) spending in the limits views: a rule, or a limit's default. */
export const LimitAlert = Type.Object({
  id: Type.Union([RuleId, Type.Null()], {
    description: "null: one of the limit's default thresholds (50/80/100%, an event only)",
  }),
  threshold: Type.Integer({ description: 'A percentage of the limit when ofLimit, else kopecks' }),
  ofLimit: Type.Boolean(),
  period: Period(),
  action: Action(),
});
export type LimitAlert = Static<typeof LimitAlert>;
